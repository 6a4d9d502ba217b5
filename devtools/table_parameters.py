"""Table names as stack parameters (issue 26 item 5), applied to the packaged template.

Every DynamoDB table of the stack gets a parameter `Restored<Table>` (default empty: the stack
owns its table as before). Given a table's name, the stack uses that table instead: the
stack's own table leaves the stack (it is retained, never deleted: DeletionPolicy Retain), and
every function's table setting, every role's grant, the outputs and, for a table with a
stream, the stream subscription (`Restored<Table>Stream`, the restored table's stream ARN)
point at the given one. This is how a stage switches to a table restored to a point in time
(`./dev restore-drill STAGE TABLE --prepare RESTORED` readies it; docs/runbook.md).

Applied to the whole template after `chalice package` (functions carry the table names from
.chalice/config.json as plain strings), so a table added to infra/resources.yaml gets its
parameter without anyone writing it."""
from __future__ import annotations

import re
from typing import Any

from .intrinsics import Evaluator

# an ARN-shaped placeholder: the parameter is read only when a restored table is used
NO_STREAM = "arn:aws:dynamodb:eu-central-1:000000000000:table/none/stream/none"
ARN = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${%s}"


def parameter_of(logical: str) -> str:
    return f"Restored{logical}"


def apply(template: dict[str, Any]) -> dict[str, Any]:
    resources = template["Resources"]
    tables = {k: r for k, r in resources.items() if r.get("Type") == "AWS::DynamoDB::Table"}
    stage = str(template["Parameters"]["Stage"].get("Default", "local"))
    conditions = template.setdefault("Conditions", {})
    literal: dict[str, str] = {}
    for logical, table in tables.items():
        parameter, condition = parameter_of(logical), f"Owns{logical}"
        literal[logical] = str(Evaluator(template, {"Stage": stage})(
            table["Properties"]["TableName"]))
        template["Parameters"][parameter] = {
            "Type": "String", "Default": "", "AllowedPattern": "^[A-Za-z0-9_.-]{0,255}$",
            "Description": f"Empty: the stack's own {literal[logical]}. A table's name: use "
                           "that table instead (a restored copy; docs/runbook.md)."}
        if "StreamSpecification" in table["Properties"]:
            template["Parameters"][f"{parameter}Stream"] = {
                "Type": "String", "Default": NO_STREAM,
                "AllowedPattern": "^arn:aws[a-z-]*:dynamodb:[a-z0-9-]*:[0-9]{12}:table/.+$",
                "Description": f"With {parameter}: its stream's ARN (restore-drill --prepare "
                               "prints it); unused otherwise."}
        conditions[condition] = {"Fn::Equals": [{"Ref": parameter}, ""]}
        table["Condition"] = condition
    for key, resource in resources.items():
        if key not in tables:
            resources[key] = _rewrite(resource, tables)
            _environment(resources[key], literal)
    template["Outputs"] = _rewrite(template.get("Outputs", {}), tables)
    return template


def _choice(logical: str, own: Any, other: Any) -> dict[str, Any]:
    return {"Fn::If": [f"Owns{logical}", own, other]}


def _name(logical: str) -> dict[str, Any]:
    return _choice(logical, {"Ref": logical}, {"Ref": parameter_of(logical)})


def _arn(logical: str) -> dict[str, Any]:
    return _choice(logical, {"Fn::GetAtt": [logical, "Arn"]},
                   {"Fn::Sub": ARN % parameter_of(logical)})


def _stream(logical: str) -> dict[str, Any]:
    return _choice(logical, {"Fn::GetAtt": [logical, "StreamArn"]},
                   {"Ref": f"{parameter_of(logical)}Stream"})


_ATTRIBUTES = {"Arn": _arn, "StreamArn": _stream}


def _rewrite(node: Any, tables: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_rewrite(item, tables) for item in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        (function, argument), = node.items()
        if function == "Ref" and argument in tables:
            return _name(argument)
        if function == "Fn::GetAtt":
            logical, attribute = (argument.split(".", 1) if isinstance(argument, str)
                                  else argument)
            if logical in tables:
                return _ATTRIBUTES[attribute](logical)
        if function == "Fn::Sub":
            return {"Fn::Sub": _sub(argument, tables)}
    return {key: _rewrite(value, tables) for key, value in node.items()}


def _sub(argument: Any, tables: dict[str, Any]) -> Any:
    text, variables = (argument, {}) if isinstance(argument, str) else argument
    variables = {k: _rewrite(v, tables) for k, v in variables.items()}
    used = False

    def replace(match: re.Match) -> str:
        nonlocal used
        logical, attribute = match.group(1), match.group(2) or ""
        if logical not in tables or logical in variables:
            return match.group(0)
        used = True
        name = f"{logical}{attribute or 'Name'}Resolved"
        variables[name] = (_ATTRIBUTES[attribute](logical) if attribute else _name(logical))
        return "${" + name + "}"

    text = re.sub(r"\$\{([A-Za-z0-9]+)(?:\.(Arn|StreamArn))?\}", replace, text)
    return [text, variables] if used or variables else text


def _environment(resource: dict[str, Any], literal: dict[str, str]) -> None:
    """A function's table setting (the plain name from .chalice/config.json) follows too."""
    variables = resource.get("Properties", {}).get("Environment", {}).get("Variables", {})
    by_name = {name: logical for logical, name in literal.items()}
    for key, value in list(variables.items()):
        if isinstance(value, str) and value in by_name:
            variables[key] = _name(by_name[value])
