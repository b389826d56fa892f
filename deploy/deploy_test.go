// Package deploy_test checks the container image and Kubernetes manifests
// under deploy/ against the worker's contract. They only parse files, so
// they need neither a Docker engine nor a cluster.
//
// Every check runs on the real files (TestKubernetes, TestDockerfile) and on
// copies broken on purpose (TestChecksCatchBrokenProperties), so a check
// that can no longer fail is noticed.
package deploy_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"maps"
	"net"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// The worker's contract (worker/config.go); the manifests must agree.
const (
	workerPort         = 9090
	defaultHTTPAddr    = ":9090"
	defaultStopTimeout = "30s"
	defaultRateLimit   = "18"
	// Requests per second all replicas together may send: the worker's
	// default, sized for Hightouch's per-workspace limit.
	workspaceRateLimit = 18.0
	// The Hightouch key's name in the Secret, and its file name.
	hightouchKeyName = "api-key"
)

// Paths relative to this directory, where go test runs.
const (
	k8sDir            = "k8s"
	exampleSecretFile = "k8s/secret.example.yaml"
	kustomizationFile = "k8s/kustomization.yaml"
	dockerfileFile    = "docker/Dockerfile"
	dockerignoreFile  = "docker/Dockerfile.dockerignore"
	repoRoot          = ".."
)

type check func(t require.TestingT, s *setup)

var k8sChecks = []struct {
	name string
	fn   check
}{
	{"kinds", checkKinds},
	{"namespace", checkNamespace},
	{"configmap", checkConfigMaps},
	{"selectors", checkSelectors},
	{"rollout", checkRollout},
	{"container", checkContainer},
	{"security", checkSecurity},
	{"probes", checkProbes},
	{"metrics", checkMetrics},
	{"resources", checkResources},
	{"graceful stop", checkGracefulStop},
	{"rate limit", checkRateLimit},
	{"credentials", checkCredentials},
	{"example secret", checkExampleSecret},
	{"kustomization", checkKustomization},
}

var dockerChecks = []struct {
	name string
	fn   check
}{
	{"stages", checkDockerStages},
	{"builder", checkDockerBuilder},
	{"static build", checkDockerBuildFlags},
	{"targets", checkDockerTargets},
	{"layer cache", checkDockerCache},
	{"runtime", checkDockerRuntime},
	{"entrypoint", checkDockerEntrypoint},
	{"expose", checkDockerExpose},
	{"labels", checkDockerLabels},
	{"ignore file", checkDockerignore},
}

func TestKubernetes(t *testing.T) {
	s := parse(t, readTree(t))
	for _, c := range k8sChecks {
		t.Run(c.name, func(t *testing.T) { c.fn(t, s) })
	}
}

func TestDockerfile(t *testing.T) {
	s := parse(t, readTree(t))
	for _, c := range dockerChecks {
		t.Run(c.name, func(t *testing.T) { c.fn(t, s) })
	}
}

// TestBuiltPackagesExist: the image builds main packages of this module.
func TestBuiltPackagesExist(t *testing.T) {
	s := parse(t, readTree(t))
	builds := builderBuilds(t, s)
	require.NotEmpty(t, builds)
	isMain := regexp.MustCompile(`(?m)^package main\b`)
	for _, b := range builds {
		for _, pkg := range b.packages {
			dir := filepath.Join(repoRoot, filepath.FromSlash(pkg))
			entries, err := os.ReadDir(dir)
			require.NoError(t, err, "the Dockerfile builds %s", pkg)
			found := false
			for _, e := range entries {
				name := e.Name()
				if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
					continue
				}
				src, err := os.ReadFile(filepath.Join(dir, name))
				require.NoError(t, err)
				found = found || isMain.Match(src)
			}
			require.True(t, found, "%s has no package main", pkg)
		}
	}
}

// ---- inputs ----

// tree is the deploy directory's files by slash path ("k8s/pdb.yaml"), so a
// test can break a copy of it.
type tree map[string]string

func readTree(t require.TestingT) tree {
	files := tree{}
	for _, dir := range []string{k8sDir, "docker"} {
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range entries {
			if !e.Type().IsRegular() {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			require.NoError(t, err)
			files[dir+"/"+e.Name()] = string(b)
		}
	}
	return files
}

type meta struct {
	Name        string            `yaml:"name"`
	Namespace   string            `yaml:"namespace"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// object is one YAML document under k8s/.
type object struct {
	file       string
	doc        int
	node       *yaml.Node
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   meta   `yaml:"metadata"`
}

func (o object) String() string {
	return fmt.Sprintf("%s document %d (%s %s)", o.file, o.doc, o.Kind, o.Metadata.Name)
}

type setup struct {
	files   tree
	objects []object // every document, the example Secret included
	docker  []stage
}

func parse(t require.TestingT, files tree) *setup {
	s := &setup{files: files}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if !isManifestFile(name) {
			continue
		}
		dec := yaml.NewDecoder(strings.NewReader(files[name]))
		for doc := 1; ; doc++ {
			n := new(yaml.Node)
			err := dec.Decode(n)
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err, "%s document %d", name, doc)
			if len(n.Content) == 0 || n.Content[0].Tag == "!!null" {
				continue // comments only
			}
			o := object{file: name, doc: doc, node: n}
			require.NoError(t, n.Decode(&o), "%s document %d", name, doc)
			require.NotEmpty(t, o.Kind, "%s document %d has no kind", name, doc)
			s.objects = append(s.objects, o)
		}
	}
	text, ok := files[dockerfileFile]
	require.True(t, ok, "%s is missing", dockerfileFile)
	s.docker = parseDockerfile(text)
	return s
}

func isManifestFile(name string) bool {
	return path.Dir(name) == k8sDir && (strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml"))
}

// decode reads o into a typed view.
func decode[T any](t require.TestingT, o object) T {
	var v T
	require.NoError(t, o.node.Decode(&v), "%s", o)
	return v
}

// applied are the objects kustomize applies: all but the example Secret.
func (s *setup) applied() []object {
	var out []object
	for _, o := range s.objects {
		if o.file != exampleSecretFile {
			out = append(out, o)
		}
	}
	return out
}

func (s *setup) one(t require.TestingT, kind string) object {
	var found []object
	for _, o := range s.applied() {
		if o.Kind == kind {
			found = append(found, o)
		}
	}
	require.Len(t, found, 1, "want exactly one %s under %s/", kind, k8sDir)
	return found[0]
}

func (s *setup) configMap(name string) (configMap, bool) {
	for _, o := range s.applied() {
		if o.Kind == "ConfigMap" && o.Metadata.Name == name {
			var cm configMap
			if o.node.Decode(&cm) == nil {
				return cm, true
			}
		}
	}
	return configMap{}, false
}

// ---- Kubernetes types: only the fields checked ----

type labelSelector struct {
	MatchLabels      map[string]string `yaml:"matchLabels"`
	MatchExpressions []any             `yaml:"matchExpressions"`
}

type deployment struct {
	Spec struct {
		Replicas *int          `yaml:"replicas"`
		Selector labelSelector `yaml:"selector"`
		Strategy struct {
			Type string `yaml:"type"`
		} `yaml:"strategy"`
		Template struct {
			Metadata meta    `yaml:"metadata"`
			Spec     podSpec `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

func (d deployment) replicas() int {
	if d.Spec.Replicas == nil {
		return 1
	}
	return *d.Spec.Replicas
}

type podSpec struct {
	AutomountServiceAccountToken  *bool              `yaml:"automountServiceAccountToken"`
	TerminationGracePeriodSeconds *int64             `yaml:"terminationGracePeriodSeconds"`
	HostNetwork                   bool               `yaml:"hostNetwork"`
	HostPID                       bool               `yaml:"hostPID"`
	HostIPC                       bool               `yaml:"hostIPC"`
	SecurityContext               podSecurityContext `yaml:"securityContext"`
	TopologySpreadConstraints     []struct {
		LabelSelector labelSelector `yaml:"labelSelector"`
	} `yaml:"topologySpreadConstraints"`
	InitContainers []container `yaml:"initContainers"`
	Containers     []container `yaml:"containers"`
	Volumes        []volume    `yaml:"volumes"`
}

type seccompProfile struct {
	Type string `yaml:"type"`
}

type podSecurityContext struct {
	RunAsNonRoot   *bool           `yaml:"runAsNonRoot"`
	RunAsUser      *int64          `yaml:"runAsUser"`
	FSGroup        *int64          `yaml:"fsGroup"`
	SeccompProfile *seccompProfile `yaml:"seccompProfile"`
}

type securityContext struct {
	RunAsNonRoot             *bool  `yaml:"runAsNonRoot"`
	RunAsUser                *int64 `yaml:"runAsUser"`
	ReadOnlyRootFilesystem   *bool  `yaml:"readOnlyRootFilesystem"`
	AllowPrivilegeEscalation *bool  `yaml:"allowPrivilegeEscalation"`
	Privileged               *bool  `yaml:"privileged"`
	Capabilities             struct {
		Add  []string `yaml:"add"`
		Drop []string `yaml:"drop"`
	} `yaml:"capabilities"`
	SeccompProfile *seccompProfile `yaml:"seccompProfile"`
}

type container struct {
	Name    string   `yaml:"name"`
	Image   string   `yaml:"image"`
	Command []string `yaml:"command"`
	Ports   []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
		Protocol      string `yaml:"protocol"`
	} `yaml:"ports"`
	Env            []envVar      `yaml:"env"`
	EnvFrom        []envFrom     `yaml:"envFrom"`
	VolumeMounts   []volumeMount `yaml:"volumeMounts"`
	LivenessProbe  *probe        `yaml:"livenessProbe"`
	ReadinessProbe *probe        `yaml:"readinessProbe"`
	Resources      struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	SecurityContext securityContext `yaml:"securityContext"`
}

type keyRef struct {
	Name     string `yaml:"name"`
	Key      string `yaml:"key"`
	Optional *bool  `yaml:"optional"`
}

type envVar struct {
	Name      string  `yaml:"name"`
	Value     *string `yaml:"value"`
	ValueFrom *struct {
		SecretKeyRef    *keyRef `yaml:"secretKeyRef"`
		ConfigMapKeyRef *keyRef `yaml:"configMapKeyRef"`
	} `yaml:"valueFrom"`
}

type envFrom struct {
	Prefix       string  `yaml:"prefix"`
	ConfigMapRef *keyRef `yaml:"configMapRef"`
	SecretRef    *keyRef `yaml:"secretRef"`
}

type volumeMount struct {
	Name      string `yaml:"name"`
	MountPath string `yaml:"mountPath"`
	SubPath   string `yaml:"subPath"`
	ReadOnly  bool   `yaml:"readOnly"`
}

type volume struct {
	Name   string `yaml:"name"`
	Secret *struct {
		SecretName  string `yaml:"secretName"`
		Optional    *bool  `yaml:"optional"`
		DefaultMode *int   `yaml:"defaultMode"`
		Items       []struct {
			Key  string `yaml:"key"`
			Path string `yaml:"path"`
			Mode *int   `yaml:"mode"`
		} `yaml:"items"`
	} `yaml:"secret"`
}

type probe struct {
	HTTPGet *struct {
		Path   string `yaml:"path"`
		Port   any    `yaml:"port"` // a number or a port name
		Scheme string `yaml:"scheme"`
	} `yaml:"httpGet"`
}

type podDisruptionBudget struct {
	Spec struct {
		MinAvailable   any           `yaml:"minAvailable"`
		MaxUnavailable any           `yaml:"maxUnavailable"`
		Selector       labelSelector `yaml:"selector"`
	} `yaml:"spec"`
}

type configMap struct {
	Data map[string]string `yaml:"data"`
}

type secret struct {
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
}

type kustomization struct {
	Resources       []string `yaml:"resources"`
	SecretGenerator []struct {
		Literals []string `yaml:"literals"`
	} `yaml:"secretGenerator"`
}

func isTrue(b *bool) bool  { return b != nil && *b }
func isFalse(b *bool) bool { return b != nil && !*b }

func workerPod(t require.TestingT, s *setup) (deployment, container) {
	d := decode[deployment](t, s.one(t, "Deployment"))
	require.Len(t, d.Spec.Template.Spec.Containers, 1, "the worker pod runs one container")
	return d, d.Spec.Template.Spec.Containers[0]
}

// setting is one environment variable as the container sees it.
type setting struct {
	value  *string // literal, from value: or a ConfigMap
	secret *keyRef // from a Secret
	origin string
}

// environment resolves c's env and envFrom (env wins, as in Kubernetes).
func environment(t require.TestingT, s *setup, c container) map[string]setting {
	env := map[string]setting{}
	for _, from := range c.EnvFrom {
		if ref := from.ConfigMapRef; ref != nil {
			cm, ok := s.configMap(ref.Name)
			require.True(t, ok || isTrue(ref.Optional), "envFrom names ConfigMap %q, which is not under %s/", ref.Name, k8sDir)
			for k, v := range cm.Data {
				env[from.Prefix+k] = setting{value: &v, origin: "ConfigMap " + ref.Name}
			}
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			env[e.Name] = setting{secret: e.ValueFrom.SecretKeyRef, origin: "Secret " + e.ValueFrom.SecretKeyRef.Name}
		case e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			cm, _ := s.configMap(ref.Name)
			v, ok := cm.Data[ref.Key]
			require.True(t, ok || isTrue(ref.Optional), "%s: ConfigMap %q has no key %q", e.Name, ref.Name, ref.Key)
			if ok {
				env[e.Name] = setting{value: &v, origin: "ConfigMap " + ref.Name}
			}
		case e.ValueFrom != nil:
			env[e.Name] = setting{origin: "valueFrom"}
		default:
			v := ""
			if e.Value != nil {
				v = *e.Value
			}
			env[e.Name] = setting{value: &v, origin: "env value"}
		}
	}
	return env
}

// literal is the value the worker reads for name: def when unset or blank,
// as in worker/config.go.
func literal(t require.TestingT, env map[string]setting, name, def string) string {
	st, ok := env[name]
	if !ok {
		return def
	}
	require.NotNil(t, st.value, "%s should be a plain value, not from %s", name, st.origin)
	if v := strings.TrimSpace(*st.value); v != "" {
		return v
	}
	return def
}

// sensitive reports whether an environment variable holds a credential.
func sensitive(name string) bool {
	if name == "HIGHTOUCH_CHECK_API_KEY" { // a boolean switch
		return false
	}
	return secretSuffix.MatchString(name)
}

var secretSuffix = regexp.MustCompile(`(^|_)(KEY|KEY_DATA|TOKEN|PASSWORD|SECRET|AUTH)$`)

func selects(t require.TestingT, sel labelSelector, labels map[string]string, what string) {
	require.NotEmpty(t, sel.MatchLabels, "%s: empty selector", what)
	require.Empty(t, sel.MatchExpressions, "%s: use matchLabels", what)
	for k, v := range sel.MatchLabels {
		got, ok := labels[k]
		require.True(t, ok && got == v, "%s selects %s=%s, but the pod template has %s=%q", what, k, v, k, got)
	}
}

// ---- Kubernetes checks ----

func checkKinds(t require.TestingT, s *setup) {
	apiVersions := map[string]string{
		"Namespace":           "v1",
		"ConfigMap":           "v1",
		"Secret":              "v1",
		"Deployment":          "apps/v1",
		"PodDisruptionBudget": "policy/v1",
		"Kustomization":       "kustomize.config.k8s.io/v1beta1",
	}
	count := map[string]int{}
	seen := map[string]bool{}
	for _, o := range s.objects {
		want, known := apiVersions[o.Kind]
		require.True(t, known, "%s: unexpected kind", o)
		require.Equal(t, want, o.APIVersion, "%s", o)
		if o.Kind == "Kustomization" {
			require.Equal(t, kustomizationFile, o.file)
		} else {
			require.NotEmpty(t, o.Metadata.Name, "%s has no name", o)
			id := o.Kind + "/" + o.Metadata.Name
			require.False(t, seen[id], "%s: %s is defined twice", o, id)
			seen[id] = true
		}
		// Real credentials never live in the repository.
		if o.Kind == "Secret" {
			require.Equal(t, exampleSecretFile, o.file, "%s: create Secrets out of band", o)
		}
		count[o.Kind]++
	}
	for _, kind := range []string{"Deployment", "PodDisruptionBudget", "Kustomization", "Secret"} {
		require.Equal(t, 1, count[kind], "want one %s", kind)
	}
	require.GreaterOrEqual(t, count["ConfigMap"], 1, "want a ConfigMap")
	require.LessOrEqual(t, count["Namespace"], 1)
}

func checkNamespace(t require.TestingT, s *setup) {
	want, first := "", true
	for _, o := range s.objects {
		if o.Kind == "Namespace" {
			want, first = o.Metadata.Name, false
		}
	}
	for _, o := range s.objects {
		if o.Kind == "Namespace" || o.Kind == "Kustomization" {
			continue
		}
		if first {
			want, first = o.Metadata.Namespace, false
		}
		require.Equal(t, want, o.Metadata.Namespace, "%s: every object belongs in one namespace", o)
	}
}

func checkConfigMaps(t require.TestingT, s *setup) {
	for _, o := range s.applied() {
		if o.Kind != "ConfigMap" {
			continue
		}
		// The API rejects numbers and booleans in data: quote them.
		root := o.node.Content[0]
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value != "data" {
				continue
			}
			data := root.Content[i+1]
			for j := 0; j+1 < len(data.Content); j += 2 {
				require.Equal(t, "!!str", data.Content[j+1].ShortTag(), "%s: %s must be a string", o, data.Content[j].Value)
			}
		}
		for k := range decode[configMap](t, o).Data {
			require.False(t, sensitive(k), "%s: %s belongs in a Secret", o, k)
		}
	}
}

func checkSelectors(t require.TestingT, s *setup) {
	d, _ := workerPod(t, s)
	labels := d.Spec.Template.Metadata.Labels
	selects(t, d.Spec.Selector, labels, "Deployment")
	for _, c := range d.Spec.Template.Spec.TopologySpreadConstraints {
		selects(t, c.LabelSelector, labels, "topologySpreadConstraint")
	}
	require.GreaterOrEqual(t, d.replicas(), 2, "one replica leaves the task queue unpolled during restarts")

	p := decode[podDisruptionBudget](t, s.one(t, "PodDisruptionBudget"))
	selects(t, p.Spec.Selector, labels, "PodDisruptionBudget")
	require.Equal(t, d.Spec.Selector.MatchLabels, p.Spec.Selector.MatchLabels, "the PDB must cover exactly the worker's pods")
	require.Nil(t, p.Spec.MaxUnavailable, "use minAvailable")
	minAvailable, ok := p.Spec.MinAvailable.(int)
	require.True(t, ok, "minAvailable should be a number, got %v", p.Spec.MinAvailable)
	require.GreaterOrEqual(t, minAvailable, 1)
	require.Less(t, minAvailable, d.replicas(), "minAvailable >= replicas blocks every node drain")
}

func checkRollout(t require.TestingT, s *setup) {
	d, _ := workerPod(t, s)
	require.Equal(t, "RollingUpdate", d.Spec.Strategy.Type, "roll replicas one at a time; Recreate stops all polling")
}

func checkContainer(t require.TestingT, s *setup) {
	_, c := workerPod(t, s)
	ref := c.Image
	require.NotEmpty(t, ref)
	if !strings.Contains(ref, "@") {
		slash, colon := strings.LastIndex(ref, "/"), strings.LastIndex(ref, ":")
		require.Greater(t, colon, slash, "image %q has no tag", ref)
		require.NotEqual(t, "latest", ref[colon+1:], "pin the image to a release")
	}
	// The image's ENTRYPOINT is the worker; a command would replace it.
	require.Empty(t, c.Command)
}

func checkSecurity(t require.TestingT, s *setup) {
	d, _ := workerPod(t, s)
	pod := d.Spec.Template.Spec
	require.True(t, isFalse(pod.AutomountServiceAccountToken), "the worker never calls the Kubernetes API; don't mount a token")
	require.False(t, pod.HostNetwork || pod.HostPID || pod.HostIPC)
	ps := pod.SecurityContext
	for _, c := range append(slices.Clone(pod.InitContainers), pod.Containers...) {
		sc := c.SecurityContext
		nonRoot := ps.RunAsNonRoot
		if sc.RunAsNonRoot != nil {
			nonRoot = sc.RunAsNonRoot
		}
		require.True(t, isTrue(nonRoot), "%s: runAsNonRoot", c.Name)
		uid := ps.RunAsUser
		if sc.RunAsUser != nil {
			uid = sc.RunAsUser
		}
		// Numeric, so the kubelet can enforce runAsNonRoot whatever the image's USER says.
		require.NotNil(t, uid, "%s: set runAsUser", c.Name)
		require.NotZero(t, *uid, "%s: runAsUser", c.Name)
		require.True(t, isTrue(sc.ReadOnlyRootFilesystem), "%s: readOnlyRootFilesystem", c.Name)
		require.True(t, isFalse(sc.AllowPrivilegeEscalation), "%s: allowPrivilegeEscalation must be false", c.Name)
		require.False(t, isTrue(sc.Privileged), "%s: privileged", c.Name)
		require.Contains(t, sc.Capabilities.Drop, "ALL", "%s: drop all capabilities", c.Name)
		require.Empty(t, sc.Capabilities.Add, "%s: adds capabilities", c.Name)
		seccomp := ps.SeccompProfile
		if sc.SeccompProfile != nil {
			seccomp = sc.SeccompProfile
		}
		require.NotNil(t, seccomp, "%s: no seccomp profile", c.Name)
		require.Equal(t, "RuntimeDefault", seccomp.Type, "%s: seccomp", c.Name)
	}
}

func checkProbes(t require.TestingT, s *setup) {
	_, c := workerPod(t, s)
	named := map[string]int{}
	for _, p := range c.Ports {
		require.Contains(t, []string{"", "TCP"}, p.Protocol)
		if p.Name != "" {
			named[p.Name] = p.ContainerPort
		}
	}
	require.Equal(t, workerPort, named["http"], "the container port named http must be %d", workerPort)

	for _, p := range []struct {
		kind, path string
		probe      *probe
	}{
		{"liveness", "/healthz", c.LivenessProbe},
		{"readiness", "/readyz", c.ReadinessProbe},
	} {
		require.NotNil(t, p.probe, "no %s probe", p.kind)
		get := p.probe.HTTPGet
		require.NotNil(t, get, "the %s probe should be an HTTP GET", p.kind)
		require.Equal(t, p.path, get.Path, "%s probe path", p.kind)
		require.Contains(t, []string{"", "HTTP"}, get.Scheme, "%s probe scheme", p.kind)
		var port int
		switch v := get.Port.(type) {
		case int:
			port = v
		case string:
			n, ok := named[v]
			require.True(t, ok, "%s probe names port %q, which the container does not declare", p.kind, v)
			port = n
		default:
			require.Failf(t, "bad probe port", "%s probe port %v", p.kind, get.Port)
		}
		require.Equal(t, workerPort, port, "%s probe port", p.kind)
	}

	env := environment(t, s, c)
	addr := literal(t, env, "HIGHTOUCH_WORKER_HTTP_ADDR", defaultHTTPAddr)
	_, port, err := net.SplitHostPort(addr)
	require.NoError(t, err, "HIGHTOUCH_WORKER_HTTP_ADDR %q", addr)
	require.Equal(t, strconv.Itoa(workerPort), port, "the worker listens on %s, the probes use %d", addr, workerPort)
}

func checkMetrics(t require.TestingT, s *setup) {
	d, _ := workerPod(t, s)
	a := d.Spec.Template.Metadata.Annotations
	require.Equal(t, "true", a["prometheus.io/scrape"])
	require.Equal(t, strconv.Itoa(workerPort), a["prometheus.io/port"])
	require.Equal(t, "/metrics", a["prometheus.io/path"])
}

func checkResources(t require.TestingT, s *setup) {
	_, c := workerPod(t, s)
	for _, res := range []string{"cpu", "memory"} {
		req, ok := c.Resources.Requests[res]
		require.True(t, ok, "no %s request", res)
		lim, ok := c.Resources.Limits[res]
		require.True(t, ok, "no %s limit", res)
		r, err := quantity(req)
		require.NoError(t, err, "%s request %q", res, req)
		l, err := quantity(lim)
		require.NoError(t, err, "%s limit %q", res, lim)
		require.Positive(t, r, "%s request", res)
		require.LessOrEqual(t, r, l, "%s request %s is above the limit %s", res, req, lim)
	}
}

// quantity parses the Kubernetes quantities used here ("100m", "1", "128Mi").
func quantity(s string) (float64, error) {
	for _, u := range []struct {
		suffix string
		factor float64
	}{
		{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"Ti", 1 << 40},
		{"m", 1e-3}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12},
	} {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseFloat(n, 64)
			return v * u.factor, err
		}
	}
	return strconv.ParseFloat(s, 64)
}

func checkGracefulStop(t require.TestingT, s *setup) {
	d, c := workerPod(t, s)
	raw := literal(t, environment(t, s, c), "HIGHTOUCH_WORKER_STOP_TIMEOUT", defaultStopTimeout)
	stop, err := time.ParseDuration(raw)
	require.NoError(t, err, "HIGHTOUCH_WORKER_STOP_TIMEOUT %q", raw)
	grace := d.Spec.Template.Spec.TerminationGracePeriodSeconds
	// Kubernetes' default (30s) leaves no time past the worker's default.
	require.NotNil(t, grace, "set terminationGracePeriodSeconds")
	require.Greater(t, time.Duration(*grace)*time.Second, stop,
		"terminationGracePeriodSeconds (%ds) must exceed the stop timeout (%s), or running activities are killed", *grace, stop)
}

func checkRateLimit(t require.TestingT, s *setup) {
	d, c := workerPod(t, s)
	raw := literal(t, environment(t, s, c), "HIGHTOUCH_RATE_LIMIT", defaultRateLimit)
	rate, err := strconv.ParseFloat(raw, 64)
	require.NoError(t, err, "HIGHTOUCH_RATE_LIMIT %q", raw)
	require.Positive(t, rate, "HIGHTOUCH_RATE_LIMIT 0 turns the limit off")
	// Each replica limits only itself.
	require.LessOrEqual(t, rate*float64(d.replicas()), workspaceRateLimit+1e-9,
		"%d replicas x HIGHTOUCH_RATE_LIMIT %s exceed %v requests/s; set it to about %v / replicas", d.replicas(), raw, workspaceRateLimit, workspaceRateLimit)
}

func exampleSecret(t require.TestingT, s *setup) (object, secret) {
	var docs []object
	for _, o := range s.objects {
		if o.file == exampleSecretFile {
			docs = append(docs, o)
		}
	}
	require.Len(t, docs, 1, "%s should hold one document", exampleSecretFile)
	require.Equal(t, "Secret", docs[0].Kind)
	return docs[0], decode[secret](t, docs[0])
}

func checkCredentials(t require.TestingT, s *setup) {
	d, c := workerPod(t, s)
	pod := d.Spec.Template.Spec
	env := environment(t, s, c)
	ex, exSecret := exampleSecret(t, s)
	inExample := func(ref string, key string) {
		require.Equal(t, ex.Metadata.Name, ref, "the Deployment uses Secret %q; %s documents %q", ref, exampleSecretFile, ex.Metadata.Name)
		require.Contains(t, exSecret.StringData, key, "%s lacks the key %q the Deployment uses", exampleSecretFile, key)
	}

	for _, from := range c.EnvFrom {
		require.Nil(t, from.SecretRef, "envFrom a Secret exposes every key as a variable")
	}
	for name, st := range env {
		if sensitive(name) {
			require.Nil(t, st.value, "%s is a literal (%s); take it from a Secret", name, st.origin)
		}
		if st.secret != nil {
			inExample(st.secret.Name, st.secret.Key)
		}
	}

	// The Hightouch key is a file from the Secret, not a variable.
	_, inEnv := env["HIGHTOUCH_API_KEY"]
	require.False(t, inEnv, "pass the Hightouch key as a file (HIGHTOUCH_API_KEY_FILE), not HIGHTOUCH_API_KEY")
	file := literal(t, env, "HIGHTOUCH_API_KEY_FILE", "")
	require.True(t, path.IsAbs(file), "HIGHTOUCH_API_KEY_FILE should name the mounted key, got %q", file)
	dir, base := path.Dir(file), path.Base(file)
	var mount *volumeMount
	for i, m := range c.VolumeMounts {
		if path.Clean(m.MountPath) == dir {
			mount = &c.VolumeMounts[i]
		}
	}
	require.NotNil(t, mount, "nothing is mounted at %s", dir)
	require.Empty(t, mount.SubPath, "a subPath mount never sees a rotated key")
	require.True(t, mount.ReadOnly, "mount the key read-only")
	var vol *volume
	for i, v := range pod.Volumes {
		if v.Name == mount.Name {
			vol = &pod.Volumes[i]
		}
	}
	require.NotNil(t, vol, "no volume %q", mount.Name)
	require.NotNil(t, vol.Secret, "volume %q should come from a Secret", vol.Name)
	require.False(t, isTrue(vol.Secret.Optional), "without the key the worker cannot start; let the pod wait for the Secret")
	key, mode := base, 0o644
	if vol.Secret.DefaultMode != nil {
		mode = *vol.Secret.DefaultMode
	}
	if items := vol.Secret.Items; len(items) > 0 {
		key = ""
		for _, it := range items {
			if path.Clean(it.Path) == base {
				key = it.Key
				if it.Mode != nil {
					mode = *it.Mode
				}
			}
		}
		require.NotEmpty(t, key, "the Secret volume has no file %s", base)
	}
	require.Equal(t, hightouchKeyName, key, "%s should hold the Secret's %q key", file, hightouchKeyName)
	inExample(vol.Secret.SecretName, key)
	// The file belongs to root (group fsGroup, if set); the worker is not root.
	readable := mode&0o004 != 0 || (pod.SecurityContext.FSGroup != nil && mode&0o040 != 0)
	require.True(t, readable, "mode %#o leaves %s unreadable to the worker", mode, file)

	// Optional, so a Temporal server without API keys needs nothing.
	tk, ok := env["TEMPORAL_API_KEY"]
	require.True(t, ok, "TEMPORAL_API_KEY should come from the Secret")
	require.NotNil(t, tk.secret, "TEMPORAL_API_KEY should come from a Secret")
	require.True(t, isTrue(tk.secret.Optional), "TEMPORAL_API_KEY's secretKeyRef should be optional")
}

var placeholder = regexp.MustCompile(`^REPLACE_WITH_[A-Z0-9_]+$`)

func checkExampleSecret(t require.TestingT, s *setup) {
	firstLine, _, _ := strings.Cut(s.files[exampleSecretFile], "\n")
	require.Contains(t, firstLine, "EXAMPLE", "%s must say at the top that it is an example", exampleSecretFile)
	_, sec := exampleSecret(t, s)
	require.Empty(t, sec.Data, "use stringData, so the placeholders stay readable")
	require.Contains(t, sec.StringData, hightouchKeyName)
	for k, v := range sec.StringData {
		require.Regexp(t, placeholder, v, "%s: %s must be a placeholder", exampleSecretFile, k)
	}
}

func checkKustomization(t require.TestingT, s *setup) {
	k := decode[kustomization](t, s.one(t, "Kustomization"))
	listed := map[string]bool{}
	for _, r := range k.Resources {
		p := path.Join(k8sDir, r)
		require.False(t, listed[p], "%s is listed twice", r)
		listed[p] = true
		_, ok := s.files[p]
		require.True(t, ok, "kustomization.yaml lists %s, which does not exist", r)
		require.NotEqual(t, exampleSecretFile, p, "the example Secret must never be applied")
	}
	for name := range s.files {
		if isManifestFile(name) && name != kustomizationFile && name != exampleSecretFile {
			require.True(t, listed[name], "%s is not listed in kustomization.yaml", name)
		}
	}
	for _, g := range k.SecretGenerator {
		require.Empty(t, g.Literals, "secretGenerator literals put keys in the repository")
	}
}

// ---- Dockerfile ----

type instruction struct {
	line int
	cmd  string // upper case
	args string
}

type stage struct {
	from  instruction
	image string
	name  string
	body  []instruction
}

// parseDockerfile splits a Dockerfile into stages of instructions, joining
// continuation lines and dropping comments. Heredocs are not supported.
func parseDockerfile(text string) []stage {
	var stages []stage
	add := func(line int, s string) {
		cmd, args, _ := strings.Cut(strings.TrimSpace(s), " ")
		in := instruction{line: line, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			st := stage{from: in}
			var words []string
			for _, w := range strings.Fields(in.args) {
				if !strings.HasPrefix(w, "--") {
					words = append(words, w)
				}
			}
			if len(words) > 0 {
				st.image = words[0]
			}
			if len(words) == 3 && strings.EqualFold(words[1], "AS") {
				st.name = words[2]
			}
			stages = append(stages, st)
			return
		}
		if len(stages) > 0 { // global ARGs before the first FROM are not needed
			stages[len(stages)-1].body = append(stages[len(stages)-1].body, in)
		}
	}
	var buf strings.Builder
	start := 0
	for i, raw := range strings.Split(text, "\n") {
		line := strings.TrimRight(raw, " \t\r")
		if trimmed := strings.TrimSpace(line); trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if buf.Len() == 0 {
			start = i + 1
		}
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			buf.WriteString(cont + " ")
			continue
		}
		buf.WriteString(line)
		add(start, buf.String())
		buf.Reset()
	}
	if buf.Len() > 0 {
		add(start, buf.String())
	}
	return stages
}

// words splits a command line into shell words, honouring quotes, with
// &&, ||, ; and | as words of their own. Not a shell; enough for RUN lines.
func words(s string) []string {
	var out []string
	var cur strings.Builder
	inWord := false
	var quote rune
	flush := func() {
		if inWord {
			out = append(out, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case unicode.IsSpace(r):
			flush()
		case r == ';':
			flush()
			out = append(out, ";")
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	flush()
	return out
}

func isSeparator(w string) bool { return w == "&&" || w == "||" || w == ";" || w == "|" }

// runFlags splits RUN's own flags (--mount=...) from its command.
func runFlags(args string) (cacheTargets []string, command []string) {
	ws := words(args)
	for len(ws) > 0 && strings.HasPrefix(ws[0], "--") {
		if spec, ok := strings.CutPrefix(ws[0], "--mount="); ok {
			opts := map[string]string{}
			for _, kv := range strings.Split(spec, ",") {
				k, v, _ := strings.Cut(kv, "=")
				opts[k] = v
			}
			if opts["type"] == "cache" {
				cacheTargets = append(cacheTargets, opts["target"])
			}
		}
		ws = ws[1:]
	}
	return cacheTargets, ws
}

type goBuild struct {
	line     int
	env      map[string]string // the stage's ENV, then inline assignments
	flags    map[string]string
	packages []string
	caches   []string
}

// valueFlags are the go build flags that take a separate argument.
var valueFlags = map[string]bool{"-o": true, "-ldflags": true, "-gcflags": true, "-asmflags": true,
	"-tags": true, "-mod": true, "-p": true, "-pgo": true, "-buildmode": true, "-modfile": true,
	"-overlay": true, "-toolexec": true, "-C": true, "-installsuffix": true, "-coverpkg": true}

var assignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)

// goBuilds finds every go build command in st.
func goBuilds(st stage) []goBuild {
	var out []goBuild
	stageEnv := map[string]string{}
	for _, in := range st.body {
		switch in.cmd {
		case "ENV":
			ws := words(in.args)
			if len(ws) > 0 && !strings.Contains(ws[0], "=") {
				stageEnv[ws[0]] = strings.Join(ws[1:], " ")
				continue
			}
			for _, w := range ws {
				if k, v, ok := strings.Cut(w, "="); ok {
					stageEnv[k] = v
				}
			}
		case "RUN":
			caches, cmd := runFlags(in.args)
			for seg := range splitCommands(cmd) {
				env := maps.Clone(stageEnv)
				for len(seg) > 0 && assignment.MatchString(seg[0]) {
					k, v, _ := strings.Cut(seg[0], "=")
					env[k] = v
					seg = seg[1:]
				}
				if len(seg) < 2 || seg[0] != "go" || seg[1] != "build" {
					continue
				}
				b := goBuild{line: in.line, env: env, flags: map[string]string{}, caches: caches}
				for i := 2; i < len(seg); i++ {
					w := seg[i]
					if !strings.HasPrefix(w, "-") {
						b.packages = append(b.packages, w)
						continue
					}
					w = "-" + strings.TrimLeft(w, "-")
					if k, v, ok := strings.Cut(w, "="); ok {
						b.flags[k] = v
					} else if valueFlags[w] && i+1 < len(seg) {
						b.flags[w] = seg[i+1]
						i++
					} else {
						b.flags[w] = ""
					}
				}
				out = append(out, b)
			}
		}
	}
	return out
}

// splitCommands yields the simple commands of a command line.
func splitCommands(ws []string) iter.Seq[[]string] {
	return func(yield func([]string) bool) {
		start := 0
		for i := 0; i <= len(ws); i++ {
			if i == len(ws) || isSeparator(ws[i]) {
				if i > start && !yield(ws[start:i]) {
					return
				}
				start = i + 1
			}
		}
	}
}

// builder is the one stage that runs go build; it must not be the image.
func builder(t require.TestingT, s *setup) stage {
	require.GreaterOrEqual(t, len(s.docker), 2, "want a multi-stage build")
	var found []stage
	for _, st := range s.docker {
		if len(goBuilds(st)) > 0 {
			found = append(found, st)
		}
	}
	require.Len(t, found, 1, "want exactly one stage running go build")
	require.NotEmpty(t, found[0].name, "name the builder stage (FROM ... AS name)")
	return found[0]
}

func builderBuilds(t require.TestingT, s *setup) []goBuild {
	return goBuilds(builder(t, s))
}

func final(t require.TestingT, s *setup) stage {
	require.NotEmpty(t, s.docker, "no FROM in %s", dockerfileFile)
	return s.docker[len(s.docker)-1]
}

func lastOf(st stage, cmd string) (instruction, bool) {
	for i := len(st.body) - 1; i >= 0; i-- {
		if st.body[i].cmd == cmd {
			return st.body[i], true
		}
	}
	return instruction{}, false
}

// copiesFrom maps destination to source for the COPY --from=<from> lines of st.
func copiesFrom(st stage, from string) map[string]string {
	out := map[string]string{}
	for _, in := range st.body {
		if in.cmd != "COPY" {
			continue
		}
		ws := words(in.args)
		src := ""
		var rest []string
		for _, w := range ws {
			if v, ok := strings.CutPrefix(w, "--from="); ok {
				src = v
			} else if !strings.HasPrefix(w, "--") {
				rest = append(rest, w)
			}
		}
		if src == from && len(rest) == 2 {
			out[rest[1]] = rest[0]
		}
	}
	return out
}

func checkDockerStages(t require.TestingT, s *setup) {
	b := builder(t, s)
	f := final(t, s)
	require.NotEqual(t, b.from.line, f.from.line, "the builder must not be the final image")
	names := map[string]bool{}
	for _, st := range s.docker {
		if st.name != "" {
			require.False(t, names[st.name], "stage %s is defined twice", st.name)
			names[st.name] = true
		}
	}
}

func checkDockerBuilder(t require.TestingT, s *setup) {
	b := builder(t, s)
	m := regexp.MustCompile(`^golang:(\d+\.\d+)(\.\d+)?(-[a-z0-9]+)?$`).FindStringSubmatch(b.image)
	require.NotNil(t, m, "the builder should be a tagged golang image, got %q", b.image)
	mod, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	require.NoError(t, err)
	goLine := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(mod)
	require.NotNil(t, goLine, "go.mod has no go line")
	require.Equal(t, string(goLine[1]), m[1], "the builder's Go release should match go.mod's")
}

func checkDockerBuildFlags(t require.TestingT, s *setup) {
	for _, b := range builderBuilds(t, s) {
		// The runtime image has no libc.
		require.Equal(t, "0", b.env["CGO_ENABLED"], "line %d: build with CGO_ENABLED=0", b.line)
		_, ok := b.flags["-trimpath"]
		require.True(t, ok, "line %d: build with -trimpath", b.line)
		ld := strings.Fields(b.flags["-ldflags"])
		require.Contains(t, ld, "-s", "line %d: -ldflags", b.line)
		require.Contains(t, ld, "-w", "line %d: -ldflags", b.line)
		// client.Version is a const, which -X silently leaves alone.
		require.NotContains(t, ld, "-X", "line %d: -X cannot set client.Version", b.line)
	}
}

func checkDockerTargets(t require.TestingT, s *setup) {
	outputs := map[string]string{}
	for _, b := range builderBuilds(t, s) {
		require.Len(t, b.packages, 1, "line %d: one package per go build, each with its own -o", b.line)
		outputs[b.packages[0]] = b.flags["-o"]
	}
	require.Equal(t, "/out/hightouch-worker", outputs["./worker"], "build ./worker")
	require.Equal(t, "/out/hightouch-starter", outputs["./starter"], "build ./starter")
	// Both binaries ship in the image.
	copied := slices.Collect(maps.Values(copiesFrom(final(t, s), builder(t, s).name)))
	require.Contains(t, copied, "/out/hightouch-worker", "the image should contain the worker")
	require.Contains(t, copied, "/out/hightouch-starter", "the image should contain the starter")
}

func checkDockerCache(t require.TestingT, s *setup) {
	b := builder(t, s)
	copyMod, download, copyAll, build := -1, -1, -1, -1
	for i, in := range b.body {
		ws := words(in.args)
		switch {
		case in.cmd == "COPY" && copyMod < 0 && len(ws) == 3 && ws[0] == "go.mod" && ws[1] == "go.sum":
			copyMod = i
		case in.cmd == "COPY" && copyAll < 0 && len(ws) > 0 && ws[0] == ".":
			copyAll = i
		case in.cmd == "RUN" && strings.Contains(in.args, "go mod download") && download < 0:
			download = i
			caches, _ := runFlags(in.args)
			require.Contains(t, caches, "/go/pkg/mod", "line %d: cache the module download", in.line)
		case in.cmd == "RUN" && strings.Contains(in.args, "go build") && build < 0:
			build = i
		}
	}
	// Dependencies are downloaded in a layer that only go.mod and go.sum invalidate.
	require.True(t, copyMod >= 0 && download > copyMod && copyAll > download && build > copyAll,
		"want COPY go.mod go.sum, RUN go mod download, COPY . ., then go build (got positions %d, %d, %d, %d)", copyMod, download, copyAll, build)
	for _, gb := range goBuilds(b) {
		require.Contains(t, gb.caches, "/go/pkg/mod", "line %d: module cache mount", gb.line)
		require.Contains(t, gb.caches, "/root/.cache/go-build", "line %d: build cache mount", gb.line)
	}
}

func checkDockerRuntime(t require.TestingT, s *setup) {
	f := final(t, s)
	require.Regexp(t, `^gcr\.io/distroless/static(-debian\d+)?:nonroot$`, f.image)
	for _, in := range f.body {
		require.NotEqual(t, "RUN", in.cmd, "line %d: distroless has no shell to RUN with", in.line)
	}
	user, ok := lastOf(f, "USER")
	require.True(t, ok, "the final stage should set USER")
	name, _, _ := strings.Cut(user.args, ":")
	require.NotContains(t, []string{"", "root"}, name, "line %d: USER", user.line)
	if uid, err := strconv.Atoi(name); err == nil {
		require.NotZero(t, uid, "line %d: USER", user.line)
	}
}

func checkDockerEntrypoint(t require.TestingT, s *setup) {
	f := final(t, s)
	ep, ok := lastOf(f, "ENTRYPOINT")
	require.True(t, ok, "the final stage should set ENTRYPOINT")
	// Exec form: the worker is PID 1 and gets SIGTERM itself.
	var argv []string
	require.NoError(t, json.Unmarshal([]byte(ep.args), &argv), "line %d: ENTRYPOINT should be a JSON array", ep.line)
	require.NotEmpty(t, argv)
	src, ok := copiesFrom(f, builder(t, s).name)[argv[0]]
	require.True(t, ok, "ENTRYPOINT %s is not copied from the builder", argv[0])
	require.Equal(t, "/out/hightouch-worker", src, "ENTRYPOINT should run the worker")
}

func checkDockerExpose(t require.TestingT, s *setup) {
	ex, ok := lastOf(final(t, s), "EXPOSE")
	require.True(t, ok, "the final stage should EXPOSE the worker port")
	port := strconv.Itoa(workerPort)
	require.True(t, slices.Contains(words(ex.args), port) || slices.Contains(words(ex.args), port+"/tcp"), "EXPOSE %s", port)
}

func checkDockerLabels(t require.TestingT, s *setup) {
	keys := map[string]bool{}
	for _, in := range final(t, s).body {
		if in.cmd == "LABEL" {
			for _, w := range words(in.args) {
				k, _, _ := strings.Cut(w, "=")
				keys[k] = true
			}
		}
	}
	for _, k := range []string{"org.opencontainers.image.title", "org.opencontainers.image.source", "org.opencontainers.image.version"} {
		require.True(t, keys[k], "missing label %s", k)
	}
}

// ignoreRule is one line of a .dockerignore file.
type ignoreRule struct {
	re     *regexp.Regexp
	negate bool
}

func ignoreRules(text string) []ignoreRule {
	var rules []ignoreRule
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		neg := strings.HasPrefix(line, "!")
		p := path.Clean(strings.TrimPrefix(strings.TrimPrefix(line, "!"), "/"))
		var re strings.Builder
		re.WriteString("^")
		for i := 0; i < len(p); i++ {
			switch {
			case strings.HasPrefix(p[i:], "**/"):
				re.WriteString("(.*/)?")
				i += 2
			case strings.HasPrefix(p[i:], "**"):
				re.WriteString(".*")
				i++
			case p[i] == '*':
				re.WriteString("[^/]*")
			case p[i] == '?':
				re.WriteString("[^/]")
			default:
				re.WriteString(regexp.QuoteMeta(p[i : i+1]))
			}
		}
		re.WriteString("(/.*)?$") // a directory takes its contents with it
		rules = append(rules, ignoreRule{regexp.MustCompile(re.String()), neg})
	}
	return rules
}

func ignored(rules []ignoreRule, p string) bool {
	out := false
	for _, r := range rules {
		if r.re.MatchString(p) {
			out = !r.negate
		}
	}
	return out
}

func checkDockerignore(t require.TestingT, s *setup) {
	text, ok := s.files[dockerignoreFile]
	require.True(t, ok, "%s is missing", dockerignoreFile)
	rules := ignoreRules(text)
	require.True(t, ignored(rules, ".git/config"), "keep .git out of the build context")

	// Everything the build compiles or embeds stays in the context.
	needed := []string{"go.mod", "go.sum"}
	embed := regexp.MustCompile(`(?m)^//go:embed (.+)$`)
	err := filepath.WalkDir(repoRoot, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(repoRoot, p)
		rel = filepath.ToSlash(rel)
		if e.IsDir() {
			if rel != "." && (strings.HasPrefix(e.Name(), ".") || e.Name() == "testdata" || rel == "deploy") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		needed = append(needed, rel)
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range embed.FindAllSubmatch(src, -1) {
			for _, w := range words(string(m[1])) {
				if !strings.ContainsAny(w, "*?[") {
					needed = append(needed, path.Join(path.Dir(rel), w))
				}
			}
		}
		return nil
	})
	require.NoError(t, err)
	for _, p := range needed {
		require.False(t, ignored(rules, p), "%s excludes %s, which the build needs", dockerignoreFile, p)
	}
}

// ---- the checks fail when they should ----

// recorder is a require.TestingT that keeps failures; FailNow ends the
// goroutine running the check, as testing.T's does.
type recorder struct{ msgs []string }

func (r *recorder) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}
func (r *recorder) FailNow() { r.msgs = append(r.msgs, "FailNow"); runtime.Goexit() }

func failures(s *setup, c check) []string {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c(r, s)
	}()
	<-done
	return r.msgs
}

type mutation func(t *testing.T, files tree)

// edit replaces old, which must occur exactly once, so that an edit that no
// longer applies is noticed rather than silently testing nothing.
func edit(file, old, new string) mutation {
	return func(t *testing.T, files tree) {
		require.Equal(t, 1, strings.Count(files[file], old), "%s: %q should occur once", file, old)
		files[file] = strings.Replace(files[file], old, new, 1)
	}
}

func remove(file string) mutation {
	return func(t *testing.T, files tree) {
		require.Contains(t, files, file)
		delete(files, file)
	}
}

func TestChecksCatchBrokenProperties(t *testing.T) {
	const (
		dep = "k8s/deployment.yaml"
		cm  = "k8s/configmap.yaml"
		pdb = "k8s/pdb.yaml"
		kus = kustomizationFile
		sec = exampleSecretFile
		df  = dockerfileFile
		di  = dockerignoreFile
	)
	cases := []struct {
		name   string
		check  check
		mutate mutation
	}{
		// Kubernetes
		{"Secret kept in a manifest", checkKinds, edit(cm, "  TEMPORAL_NAMESPACE: default\n",
			"  TEMPORAL_NAMESPACE: default\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: leaked\n  namespace: hightouch\nstringData:\n  api-key: abc\n")},
		{"PDB deleted", checkKinds, remove(pdb)},
		{"wrong apiVersion", checkKinds, edit(pdb, "apiVersion: policy/v1", "apiVersion: policy/v1beta1")},
		{"object in another namespace", checkNamespace, edit(pdb, "  namespace: hightouch", "  namespace: default")},
		{"number in ConfigMap", checkConfigMaps, edit(cm, `HIGHTOUCH_RATE_LIMIT: "9"`, `HIGHTOUCH_RATE_LIMIT: 9`)},
		{"key in ConfigMap", checkConfigMaps, edit(cm, "  TEMPORAL_NAMESPACE: default\n", "  TEMPORAL_NAMESPACE: default\n  TEMPORAL_API_KEY: abc\n")},
		{"template label drift", checkSelectors, edit(dep,
			"        app.kubernetes.io/component: worker\n        app.kubernetes.io/part-of",
			"        app.kubernetes.io/component: api\n        app.kubernetes.io/part-of")},
		{"PDB selects other pods", checkSelectors, edit(pdb, "      app.kubernetes.io/component: worker\n", "      app.kubernetes.io/component: starter\n")},
		{"PDB blocks drains", checkSelectors, edit(pdb, "minAvailable: 1", "minAvailable: 2")},
		{"single replica", checkSelectors, edit(dep, "replicas: 2", "replicas: 1")},
		{"Recreate", checkRollout, edit(dep, "type: RollingUpdate", "type: Recreate")},
		{"latest image", checkContainer, edit(dep, "hightouch-worker:0.1.0", "hightouch-worker:latest")},
		{"untagged image", checkContainer, edit(dep, "hightouch-worker:0.1.0", "hightouch-worker")},
		{"command replaces entrypoint", checkContainer, edit(dep, "          imagePullPolicy", "          command: [/hightouch-starter]\n          imagePullPolicy")},
		{"writable root filesystem", checkSecurity, edit(dep, "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false")},
		{"root allowed", checkSecurity, edit(dep, "            runAsNonRoot: true\n", "            runAsNonRoot: false\n")},
		{"uid 0", checkSecurity, edit(dep, "runAsUser: 65532", "runAsUser: 0")},
		{"privilege escalation", checkSecurity, edit(dep, "allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true")},
		{"capabilities kept", checkSecurity, edit(dep, "                - ALL", "                - NET_RAW")},
		{"no seccomp", checkSecurity, edit(dep, "        seccompProfile:\n          type: RuntimeDefault\n", "")},
		{"service account token", checkSecurity, edit(dep, "automountServiceAccountToken: false", "automountServiceAccountToken: true")},
		{"liveness on readyz", checkProbes, edit(dep, "path: /healthz", "path: /readyz")},
		{"readiness path", checkProbes, edit(dep, "path: /readyz", "path: /ready")},
		{"probe on another port", checkProbes, edit(dep, "port: http\n            periodSeconds: 5", "port: 8080\n            periodSeconds: 5")},
		{"probe names a missing port", checkProbes, edit(dep, "port: http\n            periodSeconds: 5", "port: metrics\n            periodSeconds: 5")},
		{"container port moved", checkProbes, edit(dep, "containerPort: 9090", "containerPort: 8080")},
		{"worker listens elsewhere", checkProbes, edit(cm, `HIGHTOUCH_WORKER_HTTP_ADDR: ":9090"`, `HIGHTOUCH_WORKER_HTTP_ADDR: ":8080"`)},
		{"scrape port", checkMetrics, edit(dep, `prometheus.io/port: "9090"`, `prometheus.io/port: "8080"`)},
		{"no limits", checkResources, edit(dep, "            limits:\n              cpu: \"1\"\n              memory: 512Mi\n", "")},
		{"request above limit", checkResources, edit(dep, "memory: 128Mi", "memory: 1Gi")},
		{"grace period too short", checkGracefulStop, edit(dep, "terminationGracePeriodSeconds: 60", "terminationGracePeriodSeconds: 30")},
		{"grace period unset", checkGracefulStop, edit(dep, "      terminationGracePeriodSeconds: 60\n", "")},
		{"stop timeout too long", checkGracefulStop, edit(cm, "HIGHTOUCH_WORKER_STOP_TIMEOUT: 30s", "HIGHTOUCH_WORKER_STOP_TIMEOUT: 2m")},
		{"stop timeout overridden in env", checkGracefulStop, edit(dep, "          env:\n",
			"          env:\n            - name: HIGHTOUCH_WORKER_STOP_TIMEOUT\n              value: 90s\n")},
		{"stop timeout default", checkGracefulStop, func(t *testing.T, files tree) {
			edit(cm, "  HIGHTOUCH_WORKER_STOP_TIMEOUT: 30s\n", "")(t, files)
			edit(dep, "terminationGracePeriodSeconds: 60", "terminationGracePeriodSeconds: 30")(t, files)
		}},
		{"rate limit per replica", checkRateLimit, edit(cm, `HIGHTOUCH_RATE_LIMIT: "9"`, `HIGHTOUCH_RATE_LIMIT: "18"`)},
		{"rate limit default", checkRateLimit, edit(cm, "  HIGHTOUCH_RATE_LIMIT: \"9\"\n", "")},
		{"more replicas", checkRateLimit, edit(dep, "replicas: 2", "replicas: 3")},
		{"literal Hightouch key", checkCredentials, edit(dep,
			"            - name: HIGHTOUCH_API_KEY_FILE\n              value: /var/run/secrets/hightouch/api-key",
			"            - name: HIGHTOUCH_API_KEY\n              value: hk_live_1234")},
		{"literal Temporal key", checkCredentials, edit(dep,
			"              valueFrom:\n                secretKeyRef:\n                  name: hightouch-worker-credentials\n                  key: temporal-api-key\n                  optional: true\n",
			"              value: tk_1234\n")},
		{"Temporal key required", checkCredentials, edit(dep, "                  optional: true", "                  optional: false")},
		{"Temporal key from unknown Secret", checkCredentials, edit(dep, "                  name: hightouch-worker-credentials", "                  name: other")},
		{"key file elsewhere", checkCredentials, edit(dep, "value: /var/run/secrets/hightouch/api-key", "value: /etc/hightouch/api-key")},
		{"key via subPath", checkCredentials, edit(dep, "              readOnly: true\n", "              readOnly: true\n              subPath: api-key\n")},
		{"writable key mount", checkCredentials, edit(dep, "              readOnly: true", "              readOnly: false")},
		{"unreadable key file", checkCredentials, edit(dep, "defaultMode: 0440", "defaultMode: 0400")},
		{"key volume from another Secret", checkCredentials, edit(dep, "            secretName: hightouch-worker-credentials", "            secretName: other")},
		{"key volume from a ConfigMap", checkCredentials, edit(dep,
			"          secret:\n            secretName: hightouch-worker-credentials",
			"          configMap:\n            name: hightouch-worker-config")},
		{"wrong key projected", checkCredentials, edit(dep, "              - key: api-key", "              - key: temporal-api-key")},
		{"example Secret holds a real key", checkExampleSecret, edit(sec, "api-key: REPLACE_WITH_HIGHTOUCH_API_KEY", "api-key: 3f9c1c2e-5d1b-4a7e")},
		{"example Secret as data", checkExampleSecret, edit(sec, "stringData:", "data:")},
		{"example Secret unmarked", checkExampleSecret, edit(sec, "# EXAMPLE ONLY.", "# Credentials.")},
		{"example Secret applied", checkKustomization, edit(kus, "  - pdb.yaml\n", "  - pdb.yaml\n  - secret.example.yaml\n")},
		{"manifest not listed", checkKustomization, edit(kus, "  - pdb.yaml\n", "")},
		{"listed file missing", checkKustomization, remove(pdb)},
		// Dockerfile
		{"single stage", checkDockerStages, func(t *testing.T, files tree) {
			i := strings.Index(files[df], "\nFROM gcr.io/")
			require.Positive(t, i)
			files[df] = files[df][:i]
		}},
		{"old Go", checkDockerBuilder, edit(df, "golang:1.26-bookworm", "golang:1.25-bookworm")},
		{"untagged Go", checkDockerBuilder, edit(df, "golang:1.26-bookworm", "golang")},
		{"cgo", checkDockerBuildFlags, edit(df, "ENV CGO_ENABLED=0", "ENV CGO_ENABLED=1")},
		{"cgo for one binary", checkDockerBuildFlags, edit(df, "GOOS=$TARGETOS GOARCH=$TARGETARCH \\\n    go build -trimpath -ldflags \"-s -w\" -o /out/hightouch-starter",
			"CGO_ENABLED=1 GOOS=$TARGETOS GOARCH=$TARGETARCH \\\n    go build -trimpath -ldflags \"-s -w\" -o /out/hightouch-starter")},
		{"no trimpath", checkDockerBuildFlags, edit(df, `-trimpath -ldflags "-s -w" -o /out/hightouch-starter`, `-ldflags "-s -w" -o /out/hightouch-starter`)},
		{"version by -X", checkDockerBuildFlags, edit(df, `-ldflags "-s -w" -o /out/hightouch-worker`,
			`-ldflags "-s -w -X github.com/hightouch-temporal/hightouch-temporal/client.Version=1" -o /out/hightouch-worker`)},
		{"starter not built", checkDockerTargets, edit(df, " && \\\n    GOOS=$TARGETOS GOARCH=$TARGETARCH \\\n    go build -trimpath -ldflags \"-s -w\" -o /out/hightouch-starter ./starter", "")},
		{"starter not shipped", checkDockerTargets, edit(df, "COPY --from=build /out/hightouch-starter /hightouch-starter\n", "")},
		{"no build cache", checkDockerCache, edit(df, "    --mount=type=cache,target=/root/.cache/go-build \\\n", "")},
		{"sources before download", checkDockerCache, edit(df, "COPY go.mod go.sum ./\n", "COPY . .\n")},
		{"Debian runtime", checkDockerRuntime, edit(df, "FROM gcr.io/distroless/static-debian12:nonroot", "FROM debian:bookworm-slim")},
		{"distroless as root", checkDockerRuntime, edit(df, "static-debian12:nonroot", "static-debian12:latest")},
		{"USER root", checkDockerRuntime, edit(df, "USER 65532:65532", "USER root")},
		{"USER 0", checkDockerRuntime, edit(df, "USER 65532:65532", "USER 0:0")},
		{"no USER", checkDockerRuntime, edit(df, "USER 65532:65532\n", "")},
		{"RUN in distroless", checkDockerRuntime, edit(df, "USER 65532:65532\n", "RUN chmod +x /hightouch-worker\nUSER 65532:65532\n")},
		{"shell-form ENTRYPOINT", checkDockerEntrypoint, edit(df, `ENTRYPOINT ["/hightouch-worker"]`, `ENTRYPOINT /hightouch-worker`)},
		{"ENTRYPOINT runs the starter", checkDockerEntrypoint, edit(df, `ENTRYPOINT ["/hightouch-worker"]`, `ENTRYPOINT ["/hightouch-starter"]`)},
		{"port not exposed", checkDockerExpose, edit(df, "EXPOSE 9090", "EXPOSE 8080")},
		{"no OCI source label", checkDockerLabels, edit(df, "org.opencontainers.image.source=", "source=")},
		{"git in the context", checkDockerignore, edit(di, "\n.git\n", "\n")},
		{"sources left out", checkDockerignore, edit(di, "\n.git\n", "\n.git\nworker\n")},
		{"go.sum left out", checkDockerignore, edit(di, "\n.git\n", "\n.git\n*.sum\n")},
	}
	base := readTree(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := maps.Clone(base)
			c.mutate(t, files)
			s := parse(t, files) // still valid YAML: the check itself must object
			msgs := failures(s, c.check)
			require.NotEmpty(t, msgs, "the check passed on a broken tree")
			t.Log(msgs[0])
		})
	}
}
