"""Read amity's PROV export with the W3C-listed Python `prov` package and check the Colorado
Springs–Smolensk history of the example ledger: the suspension derived from the city's
statement (a primary source), the disputed termination derived from the news report, every
entry generated at a time and attributed to who recorded it.

Usage: prov_check.py PROV_JSON [TURTLE] RECORDER. Run by crates/amity-cli/tests/cli/prov.rs
with the virtual environment `.ci/run` makes (target/prov-venv). Exits 1 naming what is wrong.
"""

import sys
import warnings

import prov
from prov._warnings import ProvFutureRejectionWarning
from prov.model import ProvAttribution, ProvDerivation, ProvEntity, ProvGeneration

SUSPENDED = "urn:uuid:7cbb291b-b6fe-5cb7-875a-66ebcd46a13e"
TERMINATED = "urn:uuid:a64e8a71-c521-5230-860c-1c1ccb5ad735"
TITLE = "http://purl.org/dc/terms/title"
SUBJECT = "http://purl.org/dc/terms/subject"
LABELS = {"http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/ns/prov#label"}
GENERATED_AT = "http://www.w3.org/ns/prov#generatedAtTime"
PRIMARY = "http://www.w3.org/ns/prov#PrimarySource"


def uri(value):
    return getattr(value, "uri", str(value))


def values(record, keys):
    return [v for k, v in record.attributes if uri(k) in keys]


def check(document, recorder, form):
    records = list(document.get_records())
    by_id = {}
    for record in records:
        if record.identifier is not None:
            by_id.setdefault(uri(record.identifier), []).append(record)

    def title(entity):
        found = [str(v) for r in by_id.get(entity, []) for v in values(r, {TITLE})]
        assert found, f"{form}: {entity} has no title"
        return found[0]

    def derived(entry):
        found = []
        for record in document.get_records(ProvDerivation):
            attributes = dict(record.formal_attributes)
            generated = [v for k, v in attributes.items() if uri(k).endswith("#generatedEntity")]
            used = [v for k, v in attributes.items() if uri(k).endswith("#usedEntity")]
            if generated and uri(generated[0]) == entry:
                types = {uri(v) for k, v in record.attributes if uri(k).endswith("#type")}
                found.append((uri(used[0]), PRIMARY in types))
        return found

    suspension = derived(SUSPENDED)
    assert any(title(used).startswith("City of Colorado Springs statement") for used, _ in suspension), (
        f"{form}: the suspension is not derived from the city's statement: {suspension}")
    assert any(primary for _, primary in suspension), (
        f"{form}: the city's statement is not a primary source")
    termination = derived(TERMINATED)
    assert any(title(used).startswith("FOX21 News report") for used, _ in termination), (
        f"{form}: the termination is not derived from the news report: {termination}")

    attributed = {}
    for record in document.get_records(ProvAttribution):
        attributes = {uri(k).rsplit("#", 1)[-1]: uri(v) for k, v in record.formal_attributes}
        attributed.setdefault(attributes["entity"], []).append(attributes["agent"])
    generated = set()
    for record in document.get_records(ProvGeneration):
        attributes = {uri(k).rsplit("#", 1)[-1]: v for k, v in record.formal_attributes}
        if attributes.get("time") is not None:
            generated.add(uri(attributes["entity"]))
    entries = [r for r in document.get_records(ProvEntity) if values(r, {SUBJECT})]
    assert len(entries) >= 25, f"{form}: {len(entries)} entries"
    for entry in entries:
        identifier = uri(entry.identifier)
        assert identifier in generated or values(entry, {GENERATED_AT}), (
            f"{form}: {identifier} has no generation time")
        agents = attributed.get(identifier, [])
        assert len(agents) == 1, f"{form}: {identifier} is attributed to {agents}"
        labels = [str(v) for r in by_id.get(agents[0], []) for v in values(r, LABELS)]
        assert labels == [recorder], f"{form}: {identifier} recorded by {labels}"
    print(f"prov {prov.__version__}: {form}: {len(records)} records, {len(entries)} entries checked")


def main():
    json_path, turtle_path, recorder = sys.argv[1], sys.argv[2], sys.argv[3]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ProvFutureRejectionWarning)
        check(prov.read(json_path, format="json"), recorder, "PROV-JSON")
    try:
        import rdflib  # noqa: F401
    except ImportError:
        print("rdflib is not installed: the Turtle is not read by prov")
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        check(prov.read(turtle_path, format="rdf", rdf_format="turtle"), recorder, "Turtle")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as error:
        print(f"prov_check: {error}", file=sys.stderr)
        sys.exit(1)
