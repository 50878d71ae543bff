"""The line classifier: features, model, dataset assembly, training and evaluation."""
