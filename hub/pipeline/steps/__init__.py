"""The built-in step kinds, one module each (hub/pipeline/step.py says what a module holds;
hub/pipeline/registry.py lists them in the order the recipe schema shows them)."""
