"""Register-level models of the devices lib/'s drivers talk to, written from their datasheets
(test code: never deployed). Each keeps to what its datasheet says and counts what a driver
did wrong, so a test can fail on it."""
