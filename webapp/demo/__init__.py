"""Demonstration content, loaded by `flask demo load`: it sits above every domain it fills."""
