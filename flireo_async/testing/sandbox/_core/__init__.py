"""What both sandbox modes share: config, faults, parameters, the pipeline."""
