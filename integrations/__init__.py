"""Built-in autologging integrations; each is a trialbook plugin like any third party's."""
