"""Autologging: patching frameworks safely, and the integration base class."""
