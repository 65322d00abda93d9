"""Scalar bodies of the pointwise operators, one module per family (see ../pointwise.py)."""
