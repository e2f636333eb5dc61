"""Byte sizes, in one place."""

KIB = 1024
MIB = 1024 * KIB
