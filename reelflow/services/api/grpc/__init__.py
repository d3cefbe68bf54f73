"""The public API over gRPC: proto <-> domain conversions, JobErrors as statuses, the
VideoGeneration methods over the job service, the handlers for the two servers, the client."""
