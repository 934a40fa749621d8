"""The pzserver client's pipeline methods (the tutorial notebook's last part), with the real
client (../shared/clients/pzserver, unchanged): combine_redshift_catalogs and training_set_maker.

Run by pipelines.test.ts through ../shared/clients/pzserver/python.sh. Environment: PZ_HOST,
PZ_TOKEN, PZ_WORK, PZ_DATA as for tutorial.py. Each step prints one line `@@ {"step": ...}`.
"""

import contextlib
import io
import json
import os
import pathlib
import sys
import time
import traceback

import numpy as np
import tables_io
from pzserver import PzServer

if not hasattr(tables_io, "types"):
    tables_io.types = type("types", (), {"AP_TABLE": "astropyTable"})

HOST = os.environ["PZ_HOST"]
TOKEN = os.environ["PZ_TOKEN"]
WORK = pathlib.Path(os.environ["PZ_WORK"])
DATA = pathlib.Path(os.environ["PZ_DATA"])
CATALOGS = DATA / "redshift-catalogs"


def plain(value):
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def report(step, **result):
    print("@@ " + json.dumps({"step": step, **plain(result)}), flush=True)


def step(name):
    def run(fn):
        quiet = io.StringIO()
        try:
            with contextlib.redirect_stdout(quiet):
                result = fn() or {}
            report(name, **result, printed=quiet.getvalue()[-3000:])
        except Exception as error:  # pylint: disable=broad-except
            report(name, error=f"{type(error).__name__}: {error}", trace=traceback.format_exc()[-3000:], printed=quiet.getvalue()[-3000:])
        return fn

    return run


def wait(process, limit=120):
    deadline = time.monotonic() + limit
    while process.check_status() in ("Running", "Pending") and time.monotonic() < deadline:
        time.sleep(0.5)
    return process.check_status()


pz = PzServer(token=TOKEN, host=HOST)
ids = {}


@step("upload_catalogs")
def _upload():
    for key, name, columns in (
        ("vvds", "vvds_final_release_random_sample.parquet", {"NUM": "id", "ALPHA": "ra", "DELTA": "dec", "Z": "z", "ZFLAGS": "z_flag", "survey_name": "survey"}),
        ("ozdes", "ozdes_dr2_random_sample.parquet", {"OzDES_ID": "id", "Alpha_J2000": "ra", "Delta_J2000": "dec", "z": "z", "qop": "z_flag", "survey_name": "survey"}),
    ):
        upload = pz.upload(name=f"{key} sample", product_type="redshift_catalog", main_file=str(CATALOGS / name))
        upload.make_columns_association(columns)
        upload.save()
        ids[key] = upload.product_id
    return dict(ids)


@step("combine_redshift_catalogs")
def _combine():
    crc = pz.combine_redshift_catalogs("Combined by the client")
    default_config = dict(crc.config)
    crc.append_catalog(_id=ids["vvds"])
    crc.append_catalog(_id=ids["ozdes"])
    crc.append_catalog(_id=ids["ozdes"])  # twice: the client keeps it once
    # CSV output: the Debian stand-in for tables_io reads no Parquet (no pyarrow), get_product reads CSV.
    crc.set_config({"combine_type": "concatenate_and_remove_duplicates", "crossmatch": {"radius_arcsec": 2.0}, "output_format": "csv"})
    crc.summary()
    before = crc.check_status()
    started = crc.run()
    status = wait(crc)
    output = crc.output
    table = pz.get_product(output["id"])
    frame = table.to_pandas()
    ids["combined"] = output["id"]
    return {
        "pipeline": crc.pipeline.name,
        "display_name": crc.pipeline.display_name,
        "default_config": default_config,
        "inputs": crc.inputs,
        "input_catalogs": crc.input_catalogs,
        "before": before,
        "started": started,
        "status": status,
        "output": output,
        "rows": len(frame),
        "columns": [str(c) for c in frame.columns],
        "metadata": pz.get_product_metadata(output["id"], mainfile_info=False),
    }


@step("combine_with_flags_file")
def _combine_flags():
    crc = pz.combine_redshift_catalogs("Combined with my flags")
    crc.append_catalog(_id=ids["vvds"])
    crc.append_catalog(_id=ids["ozdes"])
    mine = WORK / "my_flags_translation.yaml"
    mine.write_bytes((CATALOGS / "flags_translation.yaml").read_bytes())
    crc.set_flags_translation(str(mine))
    crc.run()
    status = wait(crc)
    crc.summary()
    # The default output is Parquet: described by the server (its main file), not read here.
    metadata = pz.get_product_metadata(crc.output["id"])
    return {"status": status, "output": crc.output, "process": crc.process, "main_file": metadata["main_file"]}


@step("training_set_maker")
def _tsm():
    # The tutorial's spec-z sample as the reference, and a DP1 object catalog holding objects at
    # its positions (0.3″ away), with magnitudes.
    refs = pz.upload(name="Tutorial spec-z", product_type="redshift_catalog", main_file=str(DATA / "pzserver-tutorial" / "upload_example.csv"))
    refs.make_columns_association({"ID": "id", "RA": "ra", "DEC": "dec", "Z": "z", "ERR_Z": "z_err", "FLAG_DES": "z_flag"})
    refs.save()
    sample = pz.get_product(refs.product_id).to_pandas()
    objects = WORK / "dp1_objects.csv"
    with objects.open("w") as out:
        out.write("objectId,coord_ra,coord_dec,mag_g,magerr_g,mag_r\n")
        for i, row in enumerate(sample.itertuples()):
            out.write(f"{9000 + i},{row.RA},{row.DEC + 0.3 / 3600},{22 + i / 100},0.05,{21 + i / 100}\n")
    upload = pz.upload(name="DP1 objects sample", product_type="object_catalog", main_file=str(objects), release="DP1")
    upload.make_columns_association({"objectId": "id", "coord_ra": "ra", "coord_dec": "dec"})
    upload.save()
    tsm = pz.training_set_maker("Training set by the client")
    tsm.set_release(name="DP1")
    tsm.set_redshift(_id=refs.product_id)
    tsm.set_config({"crossmatch": {"radius_arcsec": 1.0, "n_neighbors": 1}, "duplicate_criteria": "closest", "output_format": "csv"})
    tsm.summary()
    tsm.run()
    status = wait(tsm)
    output = tsm.output
    frame = pz.get_product(output["id"]).to_pandas()
    return {
        "status": status,
        "output": output,
        "rows": len(frame),
        "reference_rows": len(sample),
        "columns": [str(c) for c in frame.columns],
        "release": tsm.release,
        "metadata": pz.get_product_metadata(output["id"], mainfile_info=False),
    }


@step("stop")
def _stop():
    crc = pz.combine_redshift_catalogs("Stopped by the client")
    crc.append_catalog(_id=ids["vvds"])
    crc.append_catalog(_id=ids["ozdes"])
    crc.run()
    stopped = crc.stop()
    return {"stopped": stopped, "status": wait(crc)}


sys.exit(0)
