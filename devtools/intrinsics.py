"""Evaluates CloudFormation intrinsics of a template offline, for the few expressions the
deploy's dry run and the tests read as values (Ref, Fn::If with the template's Conditions,
Fn::Join, Fn::Sub, Fn::Equals, Fn::Not, Fn::And, Fn::Or, Fn::Contains). Resources resolve to
the names the caller gives (else "<LogicalId>")."""
from __future__ import annotations

import re
from typing import Any

PSEUDO = {"AWS::Region": "eu-central-1", "AWS::AccountId": "123456789012",
          "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
NO_VALUE = object()


class Evaluator:
    def __init__(self, template: dict[str, Any], parameters: dict[str, str],
                 resources: dict[str, str] | None = None) -> None:
        self.template = template
        self.values = {k: str(v.get("Default", "")) for k, v in
                       template.get("Parameters", {}).items()}
        self.values.update(parameters)
        self.values.update(PSEUDO)
        self.resources = resources or {}

    def condition(self, name: str) -> bool:
        return bool(self(self.template["Conditions"][name]))

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.values:
            return self.values[name]
        return self.resources.get(name, f"<{name}>")

    def __call__(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self(n) for n in node]
        if not isinstance(node, dict):
            return node
        if len(node) != 1:
            return {k: self(v) for k, v in node.items()}
        [(key, value)] = node.items()
        if key == "Ref":
            return self.ref(value)
        if key == "Condition":
            return self.condition(value)
        if key == "Fn::If":
            name, then, otherwise = value
            return self(then if self.condition(name) else otherwise)
        if key == "Fn::Equals":
            left, right = (self(v) for v in value)
            return str(left) == str(right)
        if key == "Fn::Not":
            return not self(value[0])
        if key == "Fn::And":
            return all(self(v) for v in value)
        if key == "Fn::Or":
            return any(self(v) for v in value)
        if key == "Fn::Contains":
            haystack, needle = self(value[0]), self(value[1])
            return needle in haystack
        if key == "Fn::Join":
            separator, parts = value
            return separator.join(str(self(p)) for p in parts)
        if key == "Fn::Sub":
            text, variables = (value, {}) if isinstance(value, str) else value
            return re.sub(r"\$\{([^}!]+)\}", lambda m: str(
                self(variables[m.group(1)]) if m.group(1) in variables
                else self.ref(m.group(1))), text)
        return {key: self(value)}
