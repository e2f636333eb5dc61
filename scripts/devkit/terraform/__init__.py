"""Terraform checks offline: the parsed configuration, Terraform core (fmt, load, evaluate), the provider schema."""
