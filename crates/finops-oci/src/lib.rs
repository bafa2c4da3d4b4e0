#![doc = "finops-oci adapter (work in progress)."]
