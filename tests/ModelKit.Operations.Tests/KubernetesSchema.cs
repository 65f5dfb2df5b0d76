namespace ModelKit.Operations.Tests;

/// <summary>
/// The field names of the Kubernetes, KServe, Prometheus Operator, Kustomize and Prometheus objects that deploy/ uses, written
/// down from their API references (Kubernetes API v1.30 reference; KServe v0.14 <c>serving.kserve.io</c> CRDs; Prometheus
/// Operator <c>monitoring.coreos.com/v1</c>; Prometheus <c>scrape_config</c>). A subset: only the types deploy/ reaches, each with
/// its full set of commonly used fields, so a misspelt or misplaced field fails the test instead of being ignored by the cluster.
/// Field syntax: <c>name</c> (a scalar or a list of scalars), <c>name:Type</c> (an object), <c>name:[Type]</c> (a list of objects),
/// <c>name:map</c> (free-form string keys), <c>name:any</c> (not checked further).
/// </summary>
internal static class KubernetesSchema
{
    /// <summary>Top-level type by (apiVersion, kind).</summary>
    public static readonly Dictionary<(string ApiVersion, string Kind), string> Kinds = new()
    {
        [("apps/v1", "Deployment")] = "Deployment",
        [("v1", "Service")] = "Service",
        [("autoscaling/v2", "HorizontalPodAutoscaler")] = "HorizontalPodAutoscaler",
        [("policy/v1", "PodDisruptionBudget")] = "PodDisruptionBudget",
        [("monitoring.coreos.com/v1", "ServiceMonitor")] = "ServiceMonitor",
        [("kustomize.config.k8s.io/v1beta1", "Kustomization")] = "Kustomization",
        [("serving.kserve.io/v1alpha1", "ClusterServingRuntime")] = "ClusterServingRuntime",
        [("serving.kserve.io/v1beta1", "InferenceService")] = "InferenceService",
    };

    public static readonly Dictionary<string, string[]> Types = new()
    {
        ["Deployment"] = ["apiVersion", "kind", "metadata:ObjectMeta", "spec:DeploymentSpec"],
        ["Service"] = ["apiVersion", "kind", "metadata:ObjectMeta", "spec:ServiceSpec"],
        ["HorizontalPodAutoscaler"] = ["apiVersion", "kind", "metadata:ObjectMeta", "spec:HPASpec"],
        ["PodDisruptionBudget"] = ["apiVersion", "kind", "metadata:ObjectMeta", "spec:PDBSpec"],
        ["ServiceMonitor"] = ["apiVersion", "kind", "metadata:ObjectMeta", "spec:ServiceMonitorSpec"],
        ["Kustomization"] = ["apiVersion", "kind", "metadata:ObjectMeta", "resources", "namespace", "namePrefix", "nameSuffix", "commonLabels:map", "commonAnnotations:map", "labels:any", "images:[KustomizeImage]", "patches:any", "configMapGenerator:any", "secretGenerator:any", "replicas:any", "components"],
        ["ClusterServingRuntime"] = ["apiVersion", "kind", "metadata:ObjectMeta", "spec:ServingRuntimeSpec"],
        ["InferenceService"] = ["apiVersion", "kind", "metadata:ObjectMeta", "spec:InferenceServiceSpec"],
        ["PrometheusConfig"] = ["global:any", "scrape_configs:[ScrapeConfig]", "rule_files", "alerting:any", "remote_write:any"],

        ["ObjectMeta"] = ["name", "namespace", "labels:map", "annotations:map", "generateName"],
        ["LabelSelector"] = ["matchLabels:map", "matchExpressions:[LabelSelectorRequirement]"],
        ["LabelSelectorRequirement"] = ["key", "operator", "values"],
        ["DeploymentSpec"] = ["replicas", "revisionHistoryLimit", "selector:LabelSelector", "strategy:DeploymentStrategy", "template:PodTemplateSpec", "minReadySeconds", "progressDeadlineSeconds", "paused"],
        ["DeploymentStrategy"] = ["type", "rollingUpdate:RollingUpdateDeployment"],
        ["RollingUpdateDeployment"] = ["maxSurge", "maxUnavailable"],
        ["PodTemplateSpec"] = ["metadata:ObjectMeta", "spec:PodSpec"],
        ["PodSpec"] =
        [
            "containers:[Container]", "initContainers:[Container]", "volumes:[Volume]", "securityContext:PodSecurityContext", "terminationGracePeriodSeconds",
            "automountServiceAccountToken", "serviceAccountName", "nodeSelector:map", "tolerations:any", "affinity:any", "topologySpreadConstraints:any",
            "priorityClassName", "imagePullSecrets:any", "enableServiceLinks", "hostIPC", "dnsPolicy", "restartPolicy",
        ],
        ["Container"] =
        [
            "name", "image", "imagePullPolicy", "command", "args", "workingDir", "env:[EnvVar]", "envFrom:any", "ports:[ContainerPort]", "resources:ResourceRequirements",
            "startupProbe:Probe", "livenessProbe:Probe", "readinessProbe:Probe", "lifecycle:Lifecycle", "securityContext:SecurityContext", "volumeMounts:[VolumeMount]",
            "terminationMessagePolicy", "terminationMessagePath", "stdin", "tty",
        ],
        ["EnvVar"] = ["name", "value", "valueFrom:EnvVarSource"],
        ["EnvVarSource"] = ["secretKeyRef:KeySelector", "configMapKeyRef:KeySelector", "fieldRef:ObjectFieldSelector", "resourceFieldRef:any"],
        ["KeySelector"] = ["name", "key", "optional"],
        ["ObjectFieldSelector"] = ["fieldPath", "apiVersion"],
        ["ContainerPort"] = ["name", "containerPort", "protocol", "hostPort", "hostIP"],
        ["ResourceRequirements"] = ["requests:map", "limits:map", "claims:any"],
        ["Probe"] = ["httpGet:HTTPGetAction", "grpc:GRPCAction", "tcpSocket:any", "exec:any", "initialDelaySeconds", "periodSeconds", "timeoutSeconds", "successThreshold", "failureThreshold", "terminationGracePeriodSeconds"],
        ["HTTPGetAction"] = ["path", "port", "host", "scheme", "httpHeaders:any"],
        ["GRPCAction"] = ["port", "service"],
        ["Lifecycle"] = ["preStop:LifecycleHandler", "postStart:LifecycleHandler", "stopSignal"],
        ["LifecycleHandler"] = ["exec:any", "httpGet:HTTPGetAction", "tcpSocket:any", "sleep:SleepAction"],
        ["SleepAction"] = ["seconds"],
        ["SecurityContext"] = ["allowPrivilegeEscalation", "readOnlyRootFilesystem", "runAsNonRoot", "runAsUser", "runAsGroup", "privileged", "capabilities:Capabilities", "seccompProfile:SeccompProfile", "procMount"],
        ["Capabilities"] = ["add", "drop"],
        ["PodSecurityContext"] = ["runAsNonRoot", "runAsUser", "runAsGroup", "fsGroup", "fsGroupChangePolicy", "supplementalGroups", "seccompProfile:SeccompProfile", "sysctls:any"],
        ["SeccompProfile"] = ["type", "localhostProfile"],
        ["VolumeMount"] = ["name", "mountPath", "readOnly", "subPath", "mountPropagation"],
        ["Volume"] = ["name", "persistentVolumeClaim:PersistentVolumeClaimVolumeSource", "emptyDir:EmptyDirVolumeSource", "configMap:any", "secret:any", "projected:any"],
        ["PersistentVolumeClaimVolumeSource"] = ["claimName", "readOnly"],
        ["EmptyDirVolumeSource"] = ["medium", "sizeLimit"],

        ["ServiceSpec"] = ["type", "selector:map", "ports:[ServicePort]", "clusterIP", "sessionAffinity", "internalTrafficPolicy", "externalTrafficPolicy", "publishNotReadyAddresses"],
        ["ServicePort"] = ["name", "port", "targetPort", "protocol", "appProtocol", "nodePort"],

        ["HPASpec"] = ["scaleTargetRef:CrossVersionObjectReference", "minReplicas", "maxReplicas", "metrics:[MetricSpec]", "behavior:HPABehavior"],
        ["CrossVersionObjectReference"] = ["apiVersion", "kind", "name"],
        ["MetricSpec"] = ["type", "resource:ResourceMetricSource", "pods:PodsMetricSource", "object:any", "external:any", "containerResource:any"],
        ["ResourceMetricSource"] = ["name", "target:MetricTarget"],
        ["PodsMetricSource"] = ["metric:MetricIdentifier", "target:MetricTarget"],
        ["MetricIdentifier"] = ["name", "selector:LabelSelector"],
        ["MetricTarget"] = ["type", "averageUtilization", "averageValue", "value"],
        ["HPABehavior"] = ["scaleUp:HPAScalingRules", "scaleDown:HPAScalingRules"],
        ["HPAScalingRules"] = ["stabilizationWindowSeconds", "selectPolicy", "policies:[HPAScalingPolicy]", "tolerance"],
        ["HPAScalingPolicy"] = ["type", "value", "periodSeconds"],

        ["PDBSpec"] = ["minAvailable", "maxUnavailable", "selector:LabelSelector", "unhealthyPodEvictionPolicy"],

        ["ServiceMonitorSpec"] = ["selector:LabelSelector", "namespaceSelector:any", "endpoints:[ServiceMonitorEndpoint]", "jobLabel", "targetLabels", "podTargetLabels"],
        ["ServiceMonitorEndpoint"] = ["port", "targetPort", "path", "interval", "scrapeTimeout", "scheme", "authorization:SafeAuthorization", "tlsConfig:any", "relabelings:any", "metricRelabelings:any", "honorLabels", "bearerTokenSecret:KeySelector"],
        ["SafeAuthorization"] = ["type", "credentials:KeySelector"],

        ["KustomizeImage"] = ["name", "newName", "newTag", "digest"],

        ["ServingRuntimeSpec"] =
        [
            "annotations:map", "labels:map", "supportedModelFormats:[SupportedModelFormat]", "protocolVersions", "multiModel", "disabled", "containers:[Container]",
            "volumes:[Volume]", "nodeSelector:map", "tolerations:any", "affinity:any", "imagePullSecrets:any", "grpcEndpoint", "grpcDataEndpoint", "storageHelper:any",
            "replicas", "hostIPC", "workerSpec:any", "builtInAdapter:any",
        ],
        ["SupportedModelFormat"] = ["name", "version", "autoSelect", "priority"],
        ["InferenceServiceSpec"] = ["predictor:PredictorSpec", "transformer:any", "explainer:any"],
        ["PredictorSpec"] =
        [
            "minReplicas", "maxReplicas", "canaryTrafficPercent", "scaleTarget", "scaleMetric", "scaleMetricType", "containerConcurrency", "timeout", "model:ModelSpec",
            "serviceAccountName", "containers:[Container]", "volumes:[Volume]", "nodeSelector:map", "tolerations:any", "logger:any", "batcher:any",
            "deploymentStrategy:any", "annotations:map", "labels:map", "autoScaling:any", "securityContext:PodSecurityContext",
        ],
        ["ModelSpec"] =
        [
            "modelFormat:ModelFormat", "runtime", "storageUri", "protocolVersion", "resources:ResourceRequirements", "args", "env:[EnvVar]", "ports:[ContainerPort]",
            "name", "image", "storage:any", "readinessProbe:Probe", "livenessProbe:Probe", "securityContext:SecurityContext", "volumeMounts:[VolumeMount]",
        ],
        ["ModelFormat"] = ["name", "version"],

        ["ScrapeConfig"] =
        [
            "job_name", "metrics_path", "scrape_interval", "scrape_timeout", "scheme", "honor_labels", "authorization:PrometheusAuthorization",
            "kubernetes_sd_configs:[KubernetesSdConfig]", "relabel_configs:[RelabelConfig]", "metric_relabel_configs:[RelabelConfig]", "static_configs:any", "tls_config:any",
        ],
        ["PrometheusAuthorization"] = ["type", "credentials", "credentials_file"],
        ["KubernetesSdConfig"] = ["role", "namespaces:any", "selectors:any", "api_server"],
        ["RelabelConfig"] = ["source_labels", "separator", "regex", "target_label", "replacement", "action", "modulus"],
    };
}
