"""The trialbook command line."""
