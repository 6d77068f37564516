"""Wuhan innovation-corridor toolkit."""
