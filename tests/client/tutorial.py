"""The pzserver tutorial's calls, in its order, then every other public method of PzServer,
PzUpload and PzProduct, with the real client (../shared/clients/pzserver, unchanged).

Run by client.test.ts through ../shared/clients/pzserver/python.sh. Environment: PZ_HOST (the
API URL, ending in /api/), PZ_TOKEN (the owner's token), PZ_OTHER_TOKEN (another user's),
PZ_WORK (an empty folder of our own), PZ_DATA (../shared/data). Each step prints one line
`@@ {"step": ..., ...}` with what the client returned; the test asserts on those. A step that
raises prints `@@ {"step": ..., "error": ...}` and the script goes on, so one failure does not
hide the others.
"""

import contextlib
import io
import json
import os
import pathlib
import sys
import time
import traceback
import zipfile

import numpy as np
from astropy.table import Table

import tables_io
import pzserver.core as core
from pzserver import PzServer

# The Debian stand-in for tables_io (../shared/clients/pzserver/shims) has `read` but not the
# `tables_io.types.AP_TABLE` constant get_product passes to it; give it the real package's value.
if not hasattr(tables_io, "types"):
    tables_io.types = type("types", (), {"AP_TABLE": "astropyTable"})

HOST = os.environ["PZ_HOST"]
TOKEN = os.environ["PZ_TOKEN"]
OTHER_TOKEN = os.environ["PZ_OTHER_TOKEN"]
WORK = pathlib.Path(os.environ["PZ_WORK"])
DATA = pathlib.Path(os.environ["PZ_DATA"])
TUTORIAL_CSV = DATA / "pzserver-tutorial" / "upload_example.csv"
TUTORIAL_HTML = DATA / "pzserver-tutorial" / "upload_example.html"

# display() outside a notebook prints a repr; keep what it was given instead, to assert on.
shown = []
core.display = shown.append


def plain(value):
    """JSON-able form of what the client returns (numpy scalars, dict_keys, tuples...)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)) or type(value).__name__ in ("dict_keys", "dict_values"):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def report(step, **result):
    print("@@ " + json.dumps({"step": step, **plain(result)}), flush=True)


def step(name):
    """Runs the decorated function at once as one step; its dict is the step's result."""

    def run(fn):
        quiet = io.StringIO()
        started = time.monotonic()
        try:
            with contextlib.redirect_stdout(quiet):
                result = fn() or {}
            report(name, **result, printed=quiet.getvalue()[-2000:], seconds=round(time.monotonic() - started, 2))
        except Exception as error:  # pylint: disable=broad-except
            report(name, error=f"{type(error).__name__}: {error}", trace=traceback.format_exc()[-3000:], printed=quiet.getvalue()[-2000:])
        return fn

    return run


def last_shown():
    """The DataFrame behind the last Styler the client displayed."""
    styler = shown.pop()
    frame = styler.data if hasattr(styler, "data") else styler
    return {"columns": list(frame.columns), "rows": frame.astype(object).where(frame.notna(), None).to_dict("records")}


def table_summary(table):
    frame = table.to_pandas()
    return {"type": type(table).__name__, "rows": len(frame), "columns": [str(c) for c in frame.columns], "first": frame.iloc[0].to_dict() if len(frame) else None}


# Fixtures: the tutorial's CSV written as FITS and as HDF5 (astropy + h5py, as a user would).
tutorial = Table.read(TUTORIAL_CSV, format="ascii.csv")
FITS = WORK / "upload_example.fits"
HDF5 = WORK / "upload_example.hdf5"
tutorial.write(FITS, overwrite=True)
tutorial.write(HDF5, path="data", overwrite=True, serialize_meta=False)
NOTES = WORK / "notes.txt"
NOTES.write_text("notes about the sample\n")
README = WORK / "README.md"
README.write_text("# How this sample was made\n")

pz = None
ids = {}
uploads = {}


@step("connect")
def _connect():
    global pz  # pylint: disable=global-statement
    pz = PzServer(token=TOKEN, host=HOST)
    refused = None
    try:
        PzServer(token="0123456789abcdef", host=HOST)
    except Exception as error:  # pylint: disable=broad-except
        refused = str(error)
    return {"ok": True, "bad_token_refused": refused}


# ---- the tutorial, in its order ----------------------------------------------------------------


@step("get_product_types")
def _types():
    return {"types": pz.get_product_types()}


@step("display_product_types")
def _display_types():
    pz.display_product_types()
    return last_shown()


@step("get_releases")
def _releases():
    return {"releases": pz.get_releases()}


@step("display_releases")
def _display_releases():
    pz.display_releases()
    return last_shown()


@step("upload_csv")
def _upload_csv():
    upload = pz.upload(
        name="Tutorial spec-z sample",
        product_type="redshift_catalog",
        main_file=str(TUTORIAL_CSV),
        release=None,
        auxiliary_files=[str(TUTORIAL_HTML)],
        description="Uploaded by the real pzserver client",
    )
    uploads["csv"] = upload
    ids["csv"] = upload.product_id
    return {"product_id": upload.product_id, "files_id": upload.files_id, "columns": list(upload.columns), "str": str(upload)}


@step("make_columns_association")
def _associate():
    upload = uploads["csv"]
    before = upload.check_required_columns()
    upload.make_columns_association({"ID": "id", "RA": "ra", "DEC": "dec", "Z": "z", "ERR_Z": "z_err", "FLAG_DES": "z_flag"})
    return {"before": before, "after": upload.check_required_columns()}


@step("save")
def _save():
    uploads["csv"].save()
    return {"product": pz.get_product_metadata(ids["csv"], mainfile_info=False)}


@step("upload_fits")
def _upload_fits():
    upload = pz.upload(name="Tutorial FITS training set", product_type="training_set", main_file=str(FITS), release="DP1")
    upload.make_columns_association({"Z": "z"})
    upload.save()
    ids["fits"] = upload.product_id
    return {"product_id": upload.product_id, "columns": list(upload.columns)}


@step("upload_hdf5")
def _upload_hdf5():
    upload = pz.upload(name="Tutorial HDF5 objects", product_type="object_catalog", main_file=str(HDF5), release="DP1", pz_code="bpz")
    upload.make_columns_association({"RA": "ra", "DEC": "dec"})
    upload.save()
    ids["hdf5"] = upload.product_id
    return {"product_id": upload.product_id, "columns": list(upload.columns)}


@step("get_products_list")
def _list():
    return {
        "all": [p["id"] for p in pz.get_products_list()],
        "by_type": [p["id"] for p in pz.get_products_list(filters={"product_type": "redshift_catalog"})],
        "by_release": [p["id"] for p in pz.get_products_list(filters={"release": "DP1"})],
        "by_name": [p["id"] for p in pz.get_products_list(filters={"product_name": "tutorial,fits"})],
        "by_type_or": [p["id"] for p in pz.get_products_list(filters={"product_type__or": ["training_set", "object_catalog"]})],
        "by_internal_name": [p["id"] for p in pz.get_products_list(filters={"internal_name": f"{ids['csv']}_tutorial_specz_sample"})],
        "official": [p["id"] for p in pz.get_products_list(filters={"official_product": "false"})],
    }


@step("search")
def _search():
    return {"hdf5": [p["id"] for p in pz.get_products_list(filters={"search": "HDF5"})], "nothing": pz.get_products_list(filters={"search": "no such words"})}


@step("invalid_filter")
def _invalid_filter():
    try:
        pz.get_products_list(filters={"colour": "red"})
    except ValueError as error:
        return {"raised": str(error)}
    return {"raised": None}


@step("display_products_list")
def _display_list():
    pz.display_products_list(filters={"release": "DP1"})
    return last_shown()


@step("get_product_metadata")
def _metadata():
    by_id = pz.get_product_metadata(ids["csv"])
    by_name = pz.get_product_metadata(by_id["internal_name"])
    by_text_id = pz.get_product_metadata(str(ids["csv"]))
    return {"by_id": by_id, "by_name_id": by_name["id"], "by_text_id": by_text_id["id"]}


@step("display_product_metadata")
def _display_metadata():
    frame = pz.display_product_metadata(ids["csv"], show=False)
    pz.display_product_metadata(ids["hdf5"])
    shown_rows = last_shown()["rows"]
    return {"rows": frame.astype(object).to_dict("records"), "shown_keys": [r["key"] for r in shown_rows]}


@step("download_product")
def _download():
    folder = WORK / "downloads"
    pz.download_product(ids["csv"], save_in=str(folder))
    files = sorted(p.name for p in folder.iterdir())
    with zipfile.ZipFile(folder / files[0]) as archive:
        members = sorted(archive.namelist())
        main = archive.read("upload_example.csv").decode() if "upload_example.csv" in members else None
    pz.download_product(f"{ids['hdf5']}_tutorial_hdf5_objects", save_in=str(folder))
    return {"files": files, "members": members, "main_matches": main == TUTORIAL_CSV.read_text(), "after_second": sorted(p.name for p in folder.iterdir())}


@step("get_product_csv")
def _get_csv():
    return table_summary(pz.get_product(ids["csv"]))


@step("get_product_fits")
def _get_fits():
    return table_summary(pz.get_product(ids["fits"]))


@step("get_product_hdf5")
def _get_hdf5():
    return table_summary(pz.get_product(ids["hdf5"]))


@step("get_product_object")
def _product_object():
    product = pz.get_product_object(ids["csv"])
    by_name = pz.get_product_object(product.attributes["internal_name"])
    return {
        "product_id": product.product_id,
        "by_name_id": by_name.product_id,
        "attributes": product.attributes,
        "main_file": product.main_file,
        "main_file_info": product.get_main_file_info(),
        "auxiliary": [f["name"] for f in product.get_auxiliary_files()],
        "description_files": product.get_description_files(),
    }


@step("attach_files")
def _attach():
    product = pz.get_product_object(ids["csv"])
    product.attach_auxiliary_file(str(NOTES))
    product.attach_description_file(str(README))
    fresh = pz.get_product_object(ids["csv"])
    return {
        "auxiliary_now": [f["name"] for f in product.get_auxiliary_files()],
        "description_now": [f["name"] for f in product.get_description_files()],
        "auxiliary_fresh": [f["name"] for f in fresh.get_auxiliary_files()],
        "description_fresh": [f["name"] for f in fresh.get_description_files()],
    }


@step("remove_file")
def _remove():
    product = pz.get_product_object(ids["csv"])
    notes = next(f for f in product.get_auxiliary_files() if f["name"] == "notes.txt")
    product.remove_file(notes["id"])
    main_refused = None
    try:
        product.remove_file(product.main_file["id"])
    except ValueError as error:
        main_refused = str(error)
    fresh = pz.get_product_object(ids["csv"])
    return {"auxiliary_fresh": [f["name"] for f in fresh.get_auxiliary_files()], "main_refused": main_refused}


@step("update_description")
def _update_description():
    product = pz.get_product_object(ids["csv"])
    product.update_description("A new description, with *Markdown*")
    return {"attribute": product.attributes["description"], "server": pz.get_product_metadata(ids["csv"], mainfile_info=False)["description"]}


# ---- the rest of the public methods ------------------------------------------------------------


@step("get_users")
def _users():
    return {"users": pz.get_users()}


@step("display_users")
def _display_users():
    pz.display_users()
    return last_shown()


@step("transform_df")
def _transform():
    metadata = pz.get_product_metadata(ids["csv"])
    frame = pz.get_product(ids["csv"]).to_pandas()
    catalog = pz.transform_df(frame, metadata)
    training = pz.transform_df(pz.get_product(ids["fits"]).to_pandas(), pz.get_product_metadata(ids["fits"]))
    other = pz.transform_df(frame, pz.get_product_metadata(ids["hdf5"]))
    return {"catalog": type(catalog).__name__, "training": type(training).__name__, "other": type(other).__name__}


@step("upload_object_rest")
def _upload_rest():
    upload = pz.upload(name="Second upload", product_type="redshift_catalog", main_file=str(TUTORIAL_CSV))
    system = upload.system_columns
    upload.make_columns_association({"RA": "ra", "DEC": "dec"})
    missing = upload.check_required_columns()
    refused = None
    try:
        upload.save()
    except Exception as error:  # pylint: disable=broad-except
        refused = f"{type(error).__name__}: {error}"
    upload.reset_columns_association()
    after_reset = pz.get_product_metadata(upload.product_id)["main_file"].get("columns_association")
    upload.add_auxiliary_file(str(NOTES))
    upload.make_columns_association({"RA": "ra", "DEC": "dec", "Z": "z"})
    upload.save()
    ids["second"] = upload.product_id
    metadata = pz.get_product_metadata(upload.product_id)
    files = pz.get_product_object(upload.product_id)
    return {
        "system_columns": system,
        "missing": missing,
        "save_refused": refused,
        "after_reset": after_reset,
        "auxiliary_files": upload.upload.auxiliary_files,
        "aux_on_server": [f["name"] for f in files.get_auxiliary_files()],
        "status": metadata["status"],
        "associations": metadata["main_file"].get("columns_association"),
    }


@step("not_owner")
def _not_owner():
    other = PzServer(token=OTHER_TOKEN, host=HOST)
    product = other.get_product_object(ids["csv"])
    errors = {}
    for name, call in (
        ("update_description", lambda: product.update_description("not mine")),
        ("attach_auxiliary_file", lambda: product.attach_auxiliary_file(str(NOTES))),
        ("delete_product", lambda: other.delete_product(ids["csv"])),
    ):
        try:
            call()
            errors[name] = None
        except ValueError as error:
            errors[name] = str(error)
    return {"is_owner": product.attributes["is_owner"], "errors": errors, "sees": [p["id"] for p in other.get_products_list()]}


@step("delete_product")
def _delete():
    pz.delete_product(ids["second"])
    after = pz.get_product_metadata(ids["second"], mainfile_info=False)
    return {"listed": ids["second"] in [p["id"] for p in pz.get_products_list()], "status_after": after["status"], "product_status_after": after["product_status"]}


@step("product_not_found")
def _not_found():
    errors = {}
    for name, call in (("metadata", lambda: pz.get_product_metadata("no_such_product")), ("object", lambda: pz.get_product_object(999999))):
        try:
            call()
            errors[name] = None
        except ValueError as error:
            errors[name] = str(error)
    return errors


report("ids", **ids)
sys.exit(0)
