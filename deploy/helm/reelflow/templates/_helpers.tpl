{{/* Names and labels, as in KubeRay's charts. */}}
{{- define "reelflow.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "reelflow.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "reelflow.selectorLabels" -}}
app.kubernetes.io/name: {{ include "reelflow.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "reelflow.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "reelflow.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "reelflow.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "reelflow.apiKeysSecret" -}}
{{- .Values.apiKeys.existingSecret | default (printf "%s-api-keys" (include "reelflow.fullname" .)) -}}
{{- end -}}

{{- define "reelflow.jobStoreClaim" -}}
{{- .Values.jobStore.persistence.existingClaim | default (printf "%s-jobs" (include "reelflow.fullname" .)) -}}
{{- end -}}

{{/* The deployments the served family runs (reelflow.services.config.FAMILY_STAGES), in
STAGE_NAMES order, space-separated. Other families' stages in serveConfig.deployments stay in
the args but are not deployed: Serve refuses settings for a deployment its app lacks. */}}
{{- define "reelflow.stages" -}}
{{- $families := dict
  "reelflow-tiny" (list "Orchestrator" "PromptEncoder" "SpatialStage" "TemporalStage" "AudioStage" "Muxer")
  "ltx2" (list "Orchestrator" "PromptEncoder" "JointStage" "Muxer") -}}
{{- get $families (.Values.serveConfig.model.family | default "reelflow-tiny") | join " " -}}
{{- end -}}

{{/* modelWeights source pvc: serveConfig.model.path (ltx2) must lie under the claim's
mountPath, or the pods would look for the snapshot where nothing is mounted. */}}
{{- define "reelflow.checkModelWeights" -}}
{{- $model := .Values.serveConfig.model -}}
{{- if and (eq $model.family "ltx2") (eq .Values.modelWeights.source "pvc") -}}
{{- $mount := clean .Values.modelWeights.mountPath -}}
{{- $path := clean $model.path -}}
{{- if not (or (eq $path $mount) (hasPrefix (printf "%s/" $mount) $path)) -}}
{{- fail (printf "serveConfig.model.path %q is not under modelWeights.mountPath %q, where modelWeights.pvc.claimName %q is mounted" $model.path .Values.modelWeights.mountPath .Values.modelWeights.pvc.claimName) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The model weights claim (modelWeights.source pvc), read-only: a volume and its mount. */}}
{{- define "reelflow.modelWeightsVolume" -}}
- name: model-weights
  persistentVolumeClaim:
    claimName: {{ .Values.modelWeights.pvc.claimName }}
    readOnly: true
{{- end -}}

{{- define "reelflow.modelWeightsMount" -}}
- name: model-weights
  mountPath: {{ .Values.modelWeights.mountPath }}
  readOnly: true
{{- with .Values.modelWeights.pvc.subPath }}
  subPath: {{ . }}
{{- end }}
{{- end -}}

{{/* Stage deployment names before they were named by role (services/config.py
RENAMED_STAGES): values that still use one fail the render with the new name. */}}
{{- define "reelflow.checkRenamed" -}}
{{- $renamed := dict "SpatialDiT" "SpatialStage" "TemporalRayFlow" "TemporalStage" "AudioGen" "AudioStage" -}}
{{- range $old, $new := $renamed -}}
{{- if hasKey $.Values.serveConfig.deployments $old -}}
{{- fail (printf "serveConfig.deployments.%s: the %s deployment is now called %s; rename the key in your values" $old $old $new) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The application args: serveConfig, with the job store on the mounted volume. */}}
{{- define "reelflow.serveArgs" -}}
{{- $args := deepCopy .Values.serveConfig -}}
{{- $jobs := $args.jobs | default dict -}}
{{- if and (not $jobs.store_dir) .Values.jobStore.persistence.enabled -}}
{{- $_ := set $jobs "store_dir" .Values.jobStore.mountPath -}}
{{- end -}}
{{- $_ := set $args "jobs" $jobs -}}
{{- /* autoscaling_config replaces num_replicas (Helm merges maps, so a default stays). */ -}}
{{- range $stage, $d := $args.deployments -}}
{{- if $d.autoscaling_config -}}{{- $_ := unset $d "num_replicas" -}}{{- end -}}
{{- end -}}
{{- toJson $args -}}
{{- end -}}

{{/* Fails the render when a served stage asks for a custom resource no worker group advertises,
or for GPUs when no group has any: such a replica would wait forever. */}}
{{- define "reelflow.checkPlacement" -}}
{{- $provided := dict -}}
{{- $gpus := 0 -}}
{{- range .Values.workerGroups -}}
{{- range $name, $_ := .rayResources -}}{{- $_ := set $provided $name true -}}{{- end -}}
{{- $gpus = add $gpus (int .gpus) -}}
{{- end -}}
{{- range $stage := splitList " " (include "reelflow.stages" .) -}}
{{- $d := get $.Values.serveConfig.deployments $stage -}}
{{- $opts := $d.ray_actor_options | default dict -}}
{{- range $name, $_ := $opts.resources -}}
{{- if not (hasKey $provided $name) -}}
{{- fail (printf "serveConfig.deployments.%s asks for resource %q that no workerGroup advertises in rayResources" $stage $name) -}}
{{- end -}}
{{- end -}}
{{- if and $opts.num_gpus (eq $gpus 0) -}}
{{- fail (printf "serveConfig.deployments.%s asks for GPUs but no workerGroup has gpus > 0" $stage) -}}
{{- end -}}
{{- /* a multi-rank replica is placed STRICT_PACK: all its GPUs on one node (one pod) of a
group that advertises the custom resources it asks for */ -}}
{{- $degree := int (include "reelflow.degree" $d) -}}
{{- if and $opts.num_gpus (gt $degree 1) -}}
{{- $need := mulf $opts.num_gpus $degree -}}
{{- $largest := 0 -}}
{{- range $.Values.workerGroups -}}
{{- $group := . -}}
{{- $fits := true -}}
{{- range $name, $_ := $opts.resources -}}{{- if not (hasKey ($group.rayResources | default dict) $name) -}}{{- $fits = false -}}{{- end -}}{{- end -}}
{{- if and $fits (gt (int $group.gpus) $largest) -}}{{- $largest = int $group.gpus -}}{{- end -}}
{{- end -}}
{{- if gt $need (float64 $largest) -}}
{{- fail (printf "serveConfig.deployments.%s.parallel: a replica of %d ranks x %v GPUs needs %v GPUs on one node, but the largest workerGroup it can use has gpus: %d per pod" $stage $degree $opts.num_gpus $need $largest) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Ranks (devices) of one replica of a deployment: parallel.ulysses x parallel.cfg. */}}
{{- define "reelflow.degree" -}}
{{- $p := .parallel | default dict -}}
{{- mul (int ($p.ulysses | default 1)) (int ($p.cfg | default 1)) -}}
{{- end -}}

{{/* One rank's resources as a placement group bundle (JSON): CPU, GPU, custom resources. */}}
{{- define "reelflow.rankBundle" -}}
{{- $opts := .ray_actor_options | default dict -}}
{{- $bundle := dict -}}
{{- $cpu := 1 -}}
{{- if hasKey $opts "num_cpus" -}}{{- $cpu = $opts.num_cpus -}}{{- end -}}
{{- if $cpu -}}{{- $_ := set $bundle "CPU" $cpu -}}{{- end -}}
{{- if $opts.num_gpus -}}{{- $_ := set $bundle "GPU" $opts.num_gpus -}}{{- end -}}
{{- range $name, $amount := $opts.resources -}}
{{- if $amount -}}{{- $_ := set $bundle $name $amount -}}{{- end -}}
{{- end -}}
{{- toJson $bundle -}}
{{- end -}}

{{/* RayService.spec.serveConfigV2 (Ray's ServeDeploySchema), as a YAML string. */}}
{{- define "reelflow.serveConfigV2" -}}
{{- $cfg := .Values.serveConfig -}}
{{- $grpc := dict "port" (int $cfg.grpc_port) "enable_reflection" true "grpc_servicer_functions" (list "reelflow.v1.generation_pb2_grpc.add_VideoGenerationServicer_to_server" "grpc_health.v1.health_pb2_grpc.add_HealthServicer_to_server") -}}
{{- if not (kindIs "invalid" .Values.serve.grpcRequestTimeoutS) -}}
{{- $_ := set $grpc "request_timeout_s" .Values.serve.grpcRequestTimeoutS -}}
{{- end -}}
{{- $deployments := list -}}
{{- range $stage := splitList " " (include "reelflow.stages" .) -}}
{{- $d := get $cfg.deployments $stage -}}
{{- $entry := dict "name" $stage "max_ongoing_requests" (int $d.max_ongoing_requests) "ray_actor_options" ($d.ray_actor_options | default dict) -}}
{{- if $d.autoscaling_config -}}
{{- $_ := set $entry "autoscaling_config" $d.autoscaling_config -}}
{{- else -}}
{{- $_ := set $entry "num_replicas" (int $d.num_replicas) -}}
{{- end -}}
{{- $degree := int (include "reelflow.degree" $d) -}}
{{- if gt $degree 1 -}}
{{- /* as services/config.py DeploymentConfig.serve_options: one bundle per rank, one node */ -}}
{{- $bundle := include "reelflow.rankBundle" $d | fromJson -}}
{{- $bundles := list -}}
{{- range until $degree -}}{{- $bundles = append $bundles $bundle -}}{{- end -}}
{{- $_ := set $entry "placement_group_bundles" $bundles -}}
{{- $_ := set $entry "placement_group_strategy" "STRICT_PACK" -}}
{{- $_ := set $entry "health_check_period_s" 2.0 -}}
{{- end -}}
{{- $deployments = append $deployments $entry -}}
{{- end -}}
{{- $app := dict "name" "reelflow" "route_prefix" "/" "import_path" "reelflow.services.hosts.ray.app:build_app" "args" (include "reelflow.serveArgs" . | fromJson) "deployments" $deployments -}}
{{- $config := dict "proxy_location" .Values.serve.proxyLocation "http_options" (dict "host" "0.0.0.0" "port" (int $cfg.http_port)) "grpc_options" $grpc "applications" (list $app) -}}
{{- toYaml $config -}}
{{- end -}}

{{/* Environment of every Ray container. */}}
{{- define "reelflow.env" -}}
- name: RAY_SERVE_REPLICA_GRPC_MAX_MESSAGE_LENGTH
  value: {{ int .Values.serveConfig.max_message_bytes | quote }}
- name: RAY_SERVE_GRPC_MAX_MESSAGE_SIZE
  value: {{ int .Values.serveConfig.max_message_bytes | quote }}
- name: HF_HUB_OFFLINE
  value: "1"
- name: REELFLOW_API_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ include "reelflow.apiKeysSecret" . }}
      key: REELFLOW_API_KEYS
{{- with .Values.webhookSecret.existingSecret }}
- name: {{ $.Values.serveConfig.webhooks.secret_env | default "REELFLOW_WEBHOOK_SECRET" }}
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.webhookSecret.key }}
{{- end }}
{{- with .Values.jobStore.postgres.existingSecret }}
- name: REELFLOW_JOBS_STORE_URL
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.jobStore.postgres.key }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Container ports: the same names on head and workers (Serve runs a proxy per node). */}}
{{- define "reelflow.servePorts" -}}
- name: serve-grpc
  containerPort: {{ int .Values.serveConfig.grpc_port }}
  protocol: TCP
- name: serve-http
  containerPort: {{ int .Values.serveConfig.http_port }}
  protocol: TCP
- name: metrics
  containerPort: {{ int .Values.metrics.port }}
  protocol: TCP
{{- end -}}

{{/* The job store volume: the claim when persistence is on, else a pod-local emptyDir. */}}
{{- define "reelflow.jobsVolume" -}}
- name: jobs
{{- if .Values.jobStore.persistence.enabled }}
  persistentVolumeClaim:
    claimName: {{ include "reelflow.jobStoreClaim" . }}
{{- else }}
  emptyDir: {}
{{- end }}
{{- end -}}
