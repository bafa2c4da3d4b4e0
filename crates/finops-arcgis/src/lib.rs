#![doc = "finops-arcgis adapter (work in progress)."]
