#![doc = "finops-azure adapter (work in progress)."]
