"""Renders one of deploy/services/<name> as `kubectl kustomize` does, for the tests, which
need no kubectl. It knows only the part of kustomize those overlays use
(resources, components, a configMapGenerator of literals, images, inline JSON 6902 patches,
and transformers that are ReplacementTransformers) and stops on anything else, so an overlay
that starts using more is noticed here rather than read wrongly.

usage: kustomize_build.py <kustomization directory>
Prints the resources as one JSON list (ConfigMaps marked local-config are left out, as kustomize
leaves them out).
"""
import copy
import json
import os
import re
import sys

import yaml

LOCAL = "config.kubernetes.io/local-config"
KNOWN = {"apiVersion", "kind", "resources", "components", "configMapGenerator", "images", "patches", "transformers"}


def fail(message):
    sys.exit(f"kustomize_build.py: {message}")


def load_documents(path):
    with open(path) as file:
        return [d for d in yaml.safe_load_all(file) if d]


def load_kustomization(directory, component=False):
    """The resources a kustomization (or a component, applied to `resources`) makes."""
    path = os.path.join(directory, "kustomization.yaml")
    with open(path) as file:
        kustomization = yaml.safe_load(file)
    unknown = set(kustomization) - KNOWN
    if unknown:
        fail(f"{path}: {sorted(unknown)} not supported here")
    if (kustomization.get("kind") == "Component") != component:
        fail(f"{path}: a {kustomization.get('kind')} where a {'Component' if component else 'Kustomization'} was expected")
    return kustomization


def accumulate(directory, resources=None):
    kustomization = load_kustomization(directory, component=resources is not None)
    resources = [] if resources is None else resources
    for entry in kustomization.get("resources", []):
        target = os.path.normpath(os.path.join(directory, entry))
        resources.extend(accumulate(target) if os.path.isdir(target) else load_documents(target))
    # kustomize 5 runs the generators before the components.
    for generator in kustomization.get("configMapGenerator", []):
        options = generator.get("options", {})
        if set(generator) - {"name", "literals", "options"} or not options.get("disableNameSuffixHash"):
            fail(f"{directory}: only configMapGenerator literals without a name hash are supported")
        data = dict(literal.split("=", 1) for literal in generator.get("literals", []))
        resources.append({"apiVersion": "v1", "kind": "ConfigMap",
                          "metadata": {"name": generator["name"], "annotations": options.get("annotations", {})},
                          "data": data})
    for entry in kustomization.get("components", []):
        resources = accumulate(os.path.normpath(os.path.join(directory, entry)), resources)
    for patch in kustomization.get("patches", []):
        target = patch.get("target", {})
        if set(patch) != {"target", "patch"} or set(target) - {"kind"}:
            fail(f"{directory}: only inline JSON patches with a target kind are supported")
        operations = yaml.safe_load(patch["patch"])
        if not isinstance(operations, list):
            fail(f"{directory}: only JSON 6902 patches (a list of operations) are supported")
        for resource in resources:
            if resource["kind"] == target["kind"]:
                for operation in operations:
                    json_patch(resource, operation, directory)
    for image in kustomization.get("images", []):
        if set(image) - {"name", "newName", "newTag"}:
            fail(f"{directory}: images: only name, newName and newTag are supported")
        for resource in resources:
            for container in resource.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
                name, _, tag = container["image"].partition(":")
                if name == image["name"]:
                    container["image"] = image.get("newName", name) + (":" + image.get("newTag", tag) if image.get("newTag", tag) else "")
    for entry in kustomization.get("transformers", []):
        for config in accumulate(os.path.normpath(os.path.join(directory, entry))):
            if config.get("kind") != "ReplacementTransformer":
                fail(f"{entry}: only ReplacementTransformers are supported")
            for replacement in config["replacements"]:
                replace(resources, replacement, entry)
    return resources


def json_patch(document, operation, where):
    if operation.get("op") != "add":
        fail(f"{where}: only JSON patch `add` is supported")
    keys = [key.replace("~1", "/").replace("~0", "~") for key in operation["path"].split("/")[1:]]
    parent = document
    for key in keys[:-1]:
        parent = parent[int(key)] if isinstance(parent, list) else parent[key]
    last, value = keys[-1], copy.deepcopy(operation["value"])
    if isinstance(parent, list):
        if last == "-":
            parent.append(value)
        elif 0 <= int(last) <= len(parent):
            parent.insert(int(last), value)
        else:
            fail(f"{where}: {operation['path']} is past the end of the list")
    else:
        parent[last] = value


def segments(field_path):
    """`a.b.[x.y/z].[name=N].0` → ['a', 'b', '[x.y/z]', '[name=N]', '0']."""
    return re.findall(r"\[[^\]]*\]|[^.\[\]]+", field_path)


def locate(node, field_path, where):
    """The container and key (or index) of the field a kustomize field path names."""
    parts = segments(field_path)
    for i, part in enumerate(parts):
        if isinstance(node, list):
            if part.startswith("[") and "=" in part:
                key, _, value = part[1:-1].partition("=")
                matches = [j for j, item in enumerate(node) if str(item.get(key)) == value]
                if len(matches) != 1:
                    fail(f"{where}: {field_path}: {part} matches {len(matches)} items")
                key = matches[0]
            else:
                key = int(part)
        else:
            key = part[1:-1] if part.startswith("[") else part
        if i == len(parts) - 1:
            return node, key
        try:
            node = node[key]
        except (KeyError, IndexError):
            fail(f"{where}: {field_path} is not in the resource")


def replace(resources, replacement, where):
    source = replacement["source"]
    matches = [r for r in resources if r["kind"] == source["kind"] and r["metadata"]["name"] == source["name"]]
    if len(matches) != 1 or set(source) - {"kind", "name", "fieldPath"}:
        fail(f"{where}: source {source} selects {len(matches)} resources")
    holder, key = locate(matches[0], source["fieldPath"], where)
    value = str(holder[key])
    for target in replacement["targets"]:
        if set(target) - {"select", "fieldPaths", "options"} or set(target["select"]) - {"kind"}:
            fail(f"{where}: only targets selected by kind are supported")
        options = target.get("options", {})
        for resource in resources:
            if resource["kind"] != target["select"]["kind"]:
                continue
            for field_path in target["fieldPaths"]:
                holder, key = locate(resource, field_path, where)
                old = holder[key]
                new = value
                if "delimiter" in options:
                    parts = str(old).split(options["delimiter"])
                    parts[options.get("index", 0)] = value
                    new = options["delimiter"].join(parts)
                # The target keeps its type: a port stays a number, an env value a string.
                holder[key] = int(new) if isinstance(old, int) and not isinstance(old, bool) else new


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    resources = accumulate(os.path.abspath(sys.argv[1]))
    resources = [r for r in resources if str(r.get("metadata", {}).get("annotations", {}).get(LOCAL, "false")) != "true"]
    for resource in resources:
        if not resource.get("metadata", {}).get("annotations", True):
            del resource["metadata"]["annotations"]
    print(json.dumps(resources))


main()
