#!/usr/bin/env python3
"""Writes case.ndjson: the driving case (Chen et al., World J Surg Oncol 2023;21:29) as internal records.

Facts come from shared case-report-facts; every value the report does not give is illustrative and listed in
README.md. Run: python3 deploy/demo/make_case.py > deploy/demo/case.ndjson (the output is checked in).
Decimals are written as JSON number text so that trailing zeros (12.50) survive: see D() below.
"""
import datetime as dt
import json
import sys

MRN = "MRN-0001"  # illustrative
TZ = "+08:00"


class D(str):
    """A decimal kept as its exact text, written as a JSON number."""


def enc(obj):
    if isinstance(obj, D):
        return str(obj)
    if isinstance(obj, dict):
        return "{" + ",".join(json.dumps(k) + ":" + enc(v) for k, v in obj.items()) + "}"
    if isinstance(obj, list):
        return "[" + ",".join(enc(v) for v in obj) + "]"
    return json.dumps(obj, ensure_ascii=False)


out = []


def rec(type_, id_, source, **fields):
    r = {"type": type_, "id": id_, "source": source}
    if type_ != "patient":
        r["patient"] = MRN
    r.update(fields)
    out.append(r)


def ts(day, time="08:00:00"):
    return f"{day}T{time}{TZ}"


rec("patient", MRN, "GDPH-EMR", sex="male", hbv_carrier=True, deceased=False)

rec("diagnosis", "DX-HCC", "GDPH-EMR", code="HCC", icd10="C22.0", morphology="8170/3", diagnosed_on="2020-10-09",
    body_site="RIGHT_LIVER_LOBE", clinical_status="active", primary=True, stage={"system": "BCLC", "value": "C"})
rec("diagnosis", "DX-LUNG-MET", "GDPH-EMR", code="LUNG_MET", icd10="C78.0", diagnosed_on="2020-10-09",
    body_site="LUNG", clinical_status="active", primary=False, primary_of="DX-HCC")
rec("diagnosis", "DX-LN-MET", "GDPH-EMR", code="LN_MET", icd10="C77.2", diagnosed_on="2020-10-09",
    body_site="lymph nodes near the inferior vena cava and hepatic hilum", clinical_status="active", primary=False,
    primary_of="DX-HCC")
rec("diagnosis", "DX-CHB", "GDPH-EMR", code="CHB", icd10="B18.1", diagnosed_on="2010", clinical_status="active",
    primary=False)

rec("clinical_score", "SC-ECOG-0", "GDPH-EMR", scale="ECOG", value=0, assessed_on="2020-10-09")
rec("clinical_score", "SC-CP-0", "GDPH-EMR", scale="CHILD_PUGH", value=6, **{"class": "A"}, assessed_on="2020-10-09")
rec("clinical_score", "SC-BCLC-0", "GDPH-EMR", scale="BCLC", value="C", assessed_on="2020-10-09")

# Conversion therapy 2020-10-10 .. 2021-04-14: lenvatinib continuous, camrelizumab q3w x10, tenofovir.
rec("drug_administration", "RX-LEN-1", "GDPH-PHARM", drug="LENVATINIB", dose={"value": D("12"), "unit": "mg"},
    route="PO", frequency="QD", start=ts("2020-10-10"), end=ts("2021-04-14"), regimen="LEN+CAM", intent="conversion",
    status="completed", diagnosis="DX-HCC", order_id="ORD-LEN-1")
cycle_days = ["2020-10-10", "2020-10-31", "2020-11-21", "2020-12-12", "2021-01-02", "2021-01-23", "2021-02-13",
              "2021-03-06", "2021-03-27", "2021-04-14"]
for n, day in enumerate(cycle_days, start=1):
    rec("drug_administration", f"RX-CAM-{n}", "GDPH-PHARM", drug="CAMRELIZUMAB", dose={"value": D("200"), "unit": "mg"},
        route="IVGTT", frequency="Q3W", start=ts(day, "10:00:00"), end=ts(day, "10:30:00"), cycle=n, regimen="LEN+CAM",
        intent="conversion", status="completed", diagnosis="DX-HCC")
rec("drug_administration", "RX-TDF-1", "GDPH-PHARM", drug="TENOFOVIR", dose={"value": D("300"), "unit": "mg"},
    route="PO", frequency="QD", start=ts("2020-10-10"), status="in_progress", diagnosis="DX-CHB")

# Labs before each cycle (illustrative numbers following the reported trends).
afp = ["1210.00", "846.30", "512.70", "233.40", "98.60", "41.20", "18.90", "9.80", "6.40", "5.10"]
ldh = ["312", "296", "271", "248", "231", "219", "205", "196", "188", "182.50"]
neut = ["5.46", "5.10", "4.62", "4.40", "4.05", "3.90", "3.72", "3.60", "3.51", "3.36"]
lymph = ["1.30", "1.34", "1.40", "1.47", "1.50", "1.52", "1.55", "1.58", "1.60", "1.60"]
subsets = {  # code: (values per cycle, reference low, high)
    "CD3_T_PCT": (["52.3", "53.1", "51.8", "54.0", "52.9", "53.5", "52.2", "53.8", "54.1", "53.0"], "60.0", "80.0"),
    "NK_PCT": (["32.5", "31.0", "33.2", "30.8", "31.9", "32.7", "30.5", "31.6", "32.0", "31.2"], "7.0", "25.0"),
    "CD5POS_B_PCT": (["3.1", "3.3", "3.0", "3.4", "3.2", "3.5", "3.1", "3.3", "3.4", "3.2"], "0.5", "2.8"),
    "CD5NEG_B_PCT": (["5.2", "5.0", "4.9", "5.1", "4.8", "5.0", "4.7", "4.9", "5.0", "4.8"], "7.0", "15.0"),
    "CD3CD8_TC_PCT": (["24.1", "24.5", "23.9", "24.3", "24.0", "24.6", "24.2", "23.8", "24.4", "24.1"], "15.0", "35.0"),
    "TS_PCT": (["12.0", "12.3", "11.8", "12.1", "12.2", "11.9", "12.4", "12.0", "12.1", "11.9"], "8.0", "20.0"),
    "CD3CD4_TH_PCT": (["30.2", "30.6", "29.9", "30.4", "30.1", "30.8", "30.3", "29.8", "30.5", "30.2"], "25.0", "45.0"),
}
for n, day in enumerate(cycle_days, start=1):
    collected = ts(day, "07:30:00")
    reported = ts(day, "09:00:00")
    a = afp[n - 1]
    rec("lab_result", f"LAB-AFP-{n}", "GDPH-LIS", test="AFP", value=D(a), unit="ng/mL",
        reference_range={"high": D("20"), "text": "<20 ng/mL"}, flag="H" if float(a) >= 20 else "N",
        specimen="serum", collected_at=collected, reported_at=reported, status="final")
    rec("lab_result", f"LAB-LDH-{n}", "GDPH-LIS", test="LDH", value=D(ldh[n - 1]), unit="U/L",
        reference_range={"low": D("120"), "high": D("250")}, flag="H" if float(ldh[n - 1]) > 250 else "N",
        specimen="serum", collected_at=collected, reported_at=reported, status="final")
    rec("lab_result", f"LAB-NEUT-{n}", "GDPH-LIS", test="NEUT_ABS", value=D(neut[n - 1]), unit="10^9/L",
        reference_range={"low": D("1.80"), "high": D("6.30")}, specimen="whole_blood", collected_at=collected,
        reported_at=reported, status="final")
    rec("lab_result", f"LAB-LYMPH-{n}", "GDPH-LIS", test="LYMPH_ABS", value=D(lymph[n - 1]), unit="10^9/L",
        reference_range={"low": D("1.10"), "high": D("3.20")}, specimen="whole_blood", collected_at=collected,
        reported_at=reported, status="final")
    nlr = f"{float(neut[n - 1]) / float(lymph[n - 1]):.2f}"
    rec("lab_result", f"LAB-NLR-{n}", "GDPH-LIS", test="NLR", value=D(nlr),
        reference_range={"high": D("3"), "text": "<3"}, flag="H" if float(nlr) >= 3 else "N",
        collected_at=collected, reported_at=reported, status="final",
        note="calculated: NEUT_ABS / LYMPH_ABS")
    for code, (values, lo, hi) in subsets.items():
        v = values[n - 1]
        flag = "L" if float(v) < float(lo) else "H" if float(v) > float(hi) else "N"
        rec("lab_result", f"LAB-{code}-{n}", "GDPH-LIS", test=code, value=D(v), unit="%",
            reference_range={"low": D(lo), "high": D(hi)}, flag=flag, specimen="whole_blood",
            collected_at=collected, reported_at=reported, status="final")

# Imaging.
rec("tumor_assessment", "IMG-BASELINE", "GDPH-RIS", assessed_on="2020-10-09", method="PET_MRI", criteria="RECIST_1_1",
    response="NE", lesions=[
        {"site": "right hepatic lobe", "longest_mm": D("71"), "short_axis_mm": D("55"), "target": True},
        {"site": "right lower lobe of lung", "longest_mm": D("14"), "target": True},
        {"site": "lymph node near the inferior vena cava", "longest_mm": D("22"), "short_axis_mm": D("16"),
         "target": True}], diagnosis="DX-HCC", status="final")
rec("tumor_assessment", "IMG-2021-04-16", "GDPH-RIS", assessed_on="2021-04-16", method="MRI", criteria="RECIST_1_1",
    response="PR", lesions=[
        {"site": "right hepatic lobe", "longest_mm": D("38"), "short_axis_mm": D("30"), "target": True},
        {"site": "right lower lobe of lung", "longest_mm": D("6"), "target": True},
        {"site": "lymph node near the inferior vena cava", "longest_mm": D("11"), "short_axis_mm": D("8"),
         "target": True}], diagnosis="DX-HCC", status="final")

# Surgery 7 days after the 10th cycle, pathology, post-op labs.
rec("surgery", "OR-2021-0421", "GDPH-OR", procedure="PARTIAL_HEPATECTOMY", start=ts("2021-04-21", "08:30:00"),
    end=ts("2021-04-21", "13:10:00"), body_sites=["S5", "S6"], intent="conversion", margin="R0",
    complications=["BILE_LEAK"], status="completed", diagnosis="DX-HCC")
rec("pathology", "PATH-2021-0421", "GDPH-PATH", surgery="OR-2021-0421", issued_at=ts("2021-04-26", "16:00:00"),
    histology="HCC", morphology="8170/3", grade=2, necrosis_pct=D("80"), margin_status="negative", margin_mm=D("10"),
    conclusion="Hepatocellular carcinoma, grade 2, post-treatment response with a large necrotic area; "
               "resection margin negative.", status="final")
postop = [("2021-04-22", {"ALT": "186", "AST": "152", "ALB": "31.2", "TBIL": "28.4"}),
          ("2021-05-05", {"ALT": "32", "AST": "28", "ALB": "38.6", "TBIL": "12.1"})]
units = {"ALT": ("U/L", "9", "50"), "AST": ("U/L", "15", "40"), "ALB": ("g/L", "40.0", "55.0"),
         "TBIL": ("umol/L", "3.4", "20.5")}
for k, (day, values) in enumerate(postop, start=1):
    for code, v in values.items():
        unit, lo, hi = units[code]
        flag = "H" if float(v) > float(hi) else "L" if float(v) < float(lo) else "N"
        rec("lab_result", f"LAB-{code}-POSTOP-{k}", "GDPH-LIS", test=code, value=D(v), unit=unit,
            reference_range={"low": D(lo), "high": D(hi)}, flag=flag, specimen="serum",
            collected_at=ts(day, "07:00:00"), reported_at=ts(day, "10:00:00"), status="final")

rec("adverse_event", "AE-HFSR-1", "GDPH-EMR", event="HFSR", ctcae_grade=1, onset="2020-11-15", resolved="2020-12-20",
    serious=False, suspect_drugs=["LENVATINIB"], outcome="resolved")

# Adjuvant therapy from post-operative day 18 (2021-05-09); FOLFOX4 added from 2022-01-19.
rec("drug_administration", "RX-LEN-2", "GDPH-PHARM", drug="LENVATINIB", dose={"value": D("8"), "unit": "mg"},
    route="PO", frequency="QD", start=ts("2021-05-09"), regimen="LEN+CAM", intent="adjuvant", status="in_progress",
    diagnosis="DX-HCC")
for n, day in enumerate(["2021-05-09", "2021-05-30", "2021-06-20"], start=1):
    rec("drug_administration", f"RX-CAM-ADJ-{n}", "GDPH-PHARM", drug="CAMRELIZUMAB",
        dose={"value": D("200"), "unit": "mg"}, route="IVGTT", frequency="Q3W", start=ts(day, "10:00:00"),
        end=ts(day, "10:30:00"), cycle=n, regimen="LEN+CAM", intent="adjuvant", status="completed",
        diagnosis="DX-HCC")
folfox = [("OXALIPLATIN", "85", "IVGTT", "10:00:00", "12:00:00"),
          ("LEUCOVORIN", "200", "IVGTT", "10:00:00", "12:00:00"),
          ("FLUOROURACIL", "400", "IV", "12:00:00", "12:10:00")]
for drug, dose, route, t0, t1 in folfox:
    rec("drug_administration", f"RX-FOLFOX4-{drug}-1", "GDPH-PHARM", drug=drug,
        dose={"value": D(dose), "unit": "mg/m2"}, route=route, frequency="Q2W", start=ts("2022-01-19", t0),
        end=ts("2022-01-19", t1), cycle=1, regimen="FOLFOX4+LEN+CAM", intent="adjuvant", status="completed",
        diagnosis="DX-HCC")
rec("drug_administration", "RX-FOLFOX4-FLUOROURACIL-INF-1", "GDPH-PHARM", drug="FLUOROURACIL",
    dose={"value": D("600"), "unit": "mg/m2"}, route="IVGTT", frequency="Q2W", start=ts("2022-01-19", "12:10:00"),
    end=ts("2022-01-20", "10:10:00"), cycle=1, regimen="FOLFOX4+LEN+CAM", intent="adjuvant", status="completed",
    diagnosis="DX-HCC")

# Tumour markers normal at 11 months post-op.
rec("lab_result", "LAB-AFP-FU-11M", "GDPH-LIS", test="AFP", value=D("20"), comparator="<", unit="ng/mL",
    reference_range={"high": D("20"), "text": "<20 ng/mL"}, flag="N", specimen="serum",
    collected_at=ts("2022-03-21", "07:30:00"), reported_at=ts("2022-03-21", "11:00:00"), status="final")

for r in out:
    sys.stdout.write(enc(r) + "\n")
