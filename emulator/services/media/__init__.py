"""Media machinery shared by services (probing, speech, vocabulary, faces); no service imports another."""
