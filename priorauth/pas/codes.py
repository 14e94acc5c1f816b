"""The code systems, profiles and codes a Da Vinci PAS 2.2.1 request uses.

Read from the PAS implementation guide's sources (../shared/reference/fhir.md): the X12
code lists PAS binds (1525 request type, 1322 certification type, 1365 service category,
755 report type, 98 entity identifier) and the HL7 and CMS systems for the rest.
"""

from __future__ import annotations

PAS = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/"
PROFILE_BUNDLE = PAS + "profile-pas-request-bundle"
PROFILE_CLAIM = PAS + "profile-claim"
EXT_REQUEST_TYPE = PAS + "extension-serviceItemRequestType"
EXT_CERTIFICATION_TYPE = PAS + "extension-certificationType"
EXT_AUTHORIZATION_NUMBER = PAS + "extension-authorizationNumber"
EXT_CARE_TEAM_SCOPE = PAS + "extension-careTeamClaimScope"
EXT_DOCUMENT_INFORMATION = PAS + "extension-documentInformation"
PAS_TEMP_CODES = "http://hl7.org/fhir/us/davinci-pas/CodeSystem/PASTempCodes"

X12 = "https://codesystem.x12.org/005010/"
X12_REQUEST_TYPE = X12 + "1525"
X12_CERTIFICATION_TYPE = X12 + "1322"
X12_SERVICE_CATEGORY = X12 + "1365"
X12_REPORT_TYPE = X12 + "755"
X12_ENTITY = X12 + "98"

CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
PRIORITY = "http://terminology.hl7.org/CodeSystem/processpriority"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
COVERAGE_CLASS = "http://terminology.hl7.org/CodeSystem/coverage-class"
PAYER_ID_TYPE = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBIdentifierType"
NPI = "http://hl7.org/fhir/sid/us-npi"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
NUCC = "http://nucc.org/provider-taxonomy"
POS = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
URI = "urn:ietf:rfc:3986"
UCUM = "http://unitsofmeasure.org"
PRODUCT_SYSTEMS = {"cpt": "http://www.ama-assn.org/go/cpt", "hcpcs": "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"}

REQUEST_TYPE = ("HS", "Health Services Review")
CERTIFICATION = {"initial": ("I", "Initial"), "continuation": ("4", "Extension")}
CATEGORY = ("1", "Medical Care")
PLACE_OF_SERVICE = ("11", "Office")

# prescriber.specialty -> NUCC taxonomy (the codes fhir.md gives); primary care and
# "other" name no single taxonomy, so the request carries none for them
TAXONOMY = {
    "psychiatry": ("2084P0800X", "Psychiatry & Neurology, Psychiatry"),
    "psychiatric_nurse_practitioner": ("363LP0808X", "Nurse Practitioner, Psychiatric/Mental Health"),
}

# what each attachment is, as an X12 755 report type (PWK01)
LETTER_REPORT = ("PY", "Physician's Report")
SUMMARY_REPORT = ("77", "Support Data for Verification")  # the checklist and the criterion answers
OTHER_REPORT = ("M1", "Medical Record Attachment")
REPORT_TYPES = {
    "psychiatric_evaluation": ("06", "Initial Assessment"),
    "medication_history": ("D2", "Drug Profile Document"),
    "rating_scale": ("RT", "Report of Tests and Analysis Report"),
    "psychotherapy_notes": ("T7", "Therapy Notes"),
    "treatment_plan": ("08", "Plan of Treatment"),
    "pdmp_report": ("D2", "Drug Profile Document"),
    "informed_consent": ("CK", "Consent Form(s)"),
    "prescriber_attestation": ("PY", "Physician's Report"),
    "progress_notes": ("09", "Progress Report"),
    "lab_results": ("LA", "Laboratory Results"),
}

# the file types attached from the case's documents, by their first bytes
CONTENT_TYPES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)
