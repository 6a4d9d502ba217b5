"""CloudFormation intrinsics evaluated offline (the deploy's dry run uses the same)."""
from devtools.intrinsics import NO_VALUE, Evaluator

__all__ = ["NO_VALUE", "Evaluator"]
