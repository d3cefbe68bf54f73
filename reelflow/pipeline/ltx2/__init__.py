"""reelflow/pipeline/ltx2: the LTX-2 family through diffusers."""
