#![doc = "finops-ovh adapter (work in progress)."]
