"""Generated documentation: marked sections and the README's request fields."""
