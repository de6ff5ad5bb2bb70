"""Hypervisor policy: schema and loader."""
from bioxen.policy.load import load_policy
from bioxen.policy.schema import Policy, VirtualMachine, SCHEMA_VERSION

__all__ = ["load_policy", "Policy", "VirtualMachine", "SCHEMA_VERSION"]
