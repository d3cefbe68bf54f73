"""One job on many devices: Ulysses sequence parallelism and CFG parallelism over
torch.distributed (gloo on CPU, NCCL on GPU). Pure torch: never imports ray or grpc."""
