"""The prompt script language: shots, @references, limits, positioned errors, plans and safe
decoding of reference media."""
