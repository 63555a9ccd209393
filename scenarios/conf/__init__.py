"""The scenario config group (`scenario=NAME`): one file per studied system."""
