"""The policy evaluation engine (issue 5 part 5): rules over columnar session arrays."""
