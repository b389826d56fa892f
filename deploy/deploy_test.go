// Package deploy_test checks the container image and Kubernetes manifests
// under deploy/ against the worker's own settings (internal/workerconfig).
// The files are read with the libraries Kubernetes, kustomize and BuildKit
// use, so the checks need neither a Docker engine nor a cluster.
//
// Each check returns what it finds wrong. It runs on the real files
// (TestKubernetes, TestDockerfile) and on copies broken on purpose
// (TestChecksCatchBrokenProperties), so a check that can no longer fail is
// noticed.
package deploy_test

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"go/version"
	"io"
	"maps"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/modfile"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/utils/ptr"
	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
	sigsjson "sigs.k8s.io/json"
	kustomize "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"

	"github.com/hightouch-temporal/hightouch-temporal/codec"
	"github.com/hightouch-temporal/hightouch-temporal/internal/workerconfig"
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

// hightouchKeyName is the Hightouch key's name in the Secret, and its file
// name; codecKeysName the same for the payload encryption keys.
const (
	hightouchKeyName = "api-key"
	codecKeysName    = "codec-keys"
)

type check func(s *setup) error

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
	{"payload encryption", checkEncryption},
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
	{"main packages", checkBuiltPackages},
	{"layer cache", checkDockerCache},
	{"runtime", checkDockerRuntime},
	{"entrypoint", checkDockerEntrypoint},
	{"expose", checkDockerExpose},
	{"labels", checkDockerLabels},
	{"ignore file", checkDockerignore},
}

func TestKubernetes(t *testing.T) {
	s, err := parse(readTree(t))
	require.NoError(t, err)
	for _, c := range k8sChecks {
		t.Run(c.name, func(t *testing.T) { require.NoError(t, c.fn(s)) })
	}
}

func TestDockerfile(t *testing.T) {
	s, err := parse(readTree(t))
	require.NoError(t, err)
	for _, c := range dockerChecks {
		t.Run(c.name, func(t *testing.T) { require.NoError(t, c.fn(s)) })
	}
}

// expect returns an error saying what is wrong unless ok.
func expect(ok bool, format string, args ...any) error {
	if ok {
		return nil
	}
	return fmt.Errorf(format, args...)
}

// ---- inputs ----

// tree is the deploy directory's files by slash path ("k8s/pdb.yaml"), so a
// test can break a copy of it.
type tree map[string]string

func readTree(t *testing.T) tree {
	files := tree{}
	for _, dir := range []string{k8sDir, "docker"} {
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range entries {
			if e.Type().IsRegular() {
				b, err := os.ReadFile(filepath.Join(dir, e.Name()))
				require.NoError(t, err)
				files[dir+"/"+e.Name()] = string(b)
			}
		}
	}
	return files
}

type setup struct {
	files   tree
	objects []object // every document, the example Secret included
	// The worker's Deployment, its one container and that container's
	// environment; a tree without them cannot be checked.
	deployment *appsv1.Deployment
	worker     corev1.Container
	env        map[string]corev1.EnvVar

	stages  []instructions.Stage
	builder instructions.Stage // the one stage that runs go build
	builds  []goBuild
}

// object is one YAML document under k8s/.
type object struct {
	file string
	doc  int
	metav1.TypeMeta
	meta  metav1.ObjectMeta
	value any // *appsv1.Deployment, ...; nil for a kind not in kinds
}

func (o object) String() string {
	return fmt.Sprintf("%s document %d (%s %s)", o.file, o.doc, o.Kind, o.meta.Name)
}

func newOf[T any]() any { return new(T) }

var kustomizationKind = schema.FromAPIVersionAndKind(kustomize.KustomizationVersion, kustomize.KustomizationKind)

// kinds are the objects deploy/k8s may hold.
var kinds = map[schema.GroupVersionKind]func() any{
	corev1.SchemeGroupVersion.WithKind("Namespace"):             newOf[corev1.Namespace],
	corev1.SchemeGroupVersion.WithKind("ConfigMap"):             newOf[corev1.ConfigMap],
	corev1.SchemeGroupVersion.WithKind("Secret"):                newOf[corev1.Secret],
	appsv1.SchemeGroupVersion.WithKind("Deployment"):            newOf[appsv1.Deployment],
	policyv1.SchemeGroupVersion.WithKind("PodDisruptionBudget"): newOf[policyv1.PodDisruptionBudget],
	kustomizationKind: newOf[kustomize.Kustomization],
}

func parse(files tree) (*setup, error) {
	s := &setup{files: files}
	if err := s.parseKubernetes(); err != nil {
		return nil, err
	}
	if err := s.parseDockerfile(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *setup) parseKubernetes() error {
	for _, name := range slices.Sorted(maps.Keys(s.files)) {
		if isManifestFile(name) {
			objs, err := parseManifests(name, s.files[name])
			if err != nil {
				return err
			}
			s.objects = append(s.objects, objs...)
		}
	}
	d, err := one[appsv1.Deployment](s)
	if err != nil {
		return err
	}
	if n := len(d.Spec.Template.Spec.Containers); n != 1 {
		return fmt.Errorf("the worker pod should run one container, not %d", n)
	}
	s.deployment, s.worker = d, d.Spec.Template.Spec.Containers[0]
	s.env, err = s.environment(s.worker)
	return err
}

func (s *setup) parseDockerfile() error {
	text, ok := s.files[dockerfileFile]
	if !ok {
		return fmt.Errorf("%s is missing", dockerfileFile)
	}
	ast, err := parser.Parse(strings.NewReader(text))
	if err != nil {
		return fmt.Errorf("%s: %w", dockerfileFile, err)
	}
	if s.stages, _, err = instructions.Parse(ast.AST, nil); err != nil {
		return fmt.Errorf("%s: %w", dockerfileFile, err)
	}
	found := 0
	for _, st := range s.stages {
		// BuildKit reads RUN --mount options when it expands the command;
		// ours use no variables, so the words are kept as they are.
		for _, run := range commands[*instructions.RunCommand](st) {
			if err := run.Expand(func(word string) (string, error) { return word, nil }); err != nil {
				return fmt.Errorf("%s line %d: %w", dockerfileFile, line(run), err)
			}
		}
		builds, err := goBuilds(st)
		if err != nil {
			return fmt.Errorf("%s: %w", dockerfileFile, err)
		}
		if len(builds) > 0 {
			found++
			s.builder, s.builds = st, builds
		}
	}
	return expect(found == 1, "%s: want exactly one stage running go build, found %d", dockerfileFile, found)
}

func isManifestFile(name string) bool {
	return path.Dir(name) == k8sDir && (strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml"))
}

// parseManifests decodes every document of a manifest file, strictly as the
// API server does with kubectl's default field validation: YAML becomes JSON
// without regard to the target type (so an unquoted number in a ConfigMap
// is an error), and an unknown, duplicate or miscased field is an error.
func parseManifests(name, text string) ([]object, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(text)))
	var out []object
	for doc := 1; ; doc++ {
		raw, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		j, err := yaml.YAMLToJSONStrict(raw)
		if err != nil {
			return nil, fmt.Errorf("%s document %d: %w", name, doc, err)
		}
		if string(j) == "null" {
			continue // comments only
		}
		var head struct {
			metav1.TypeMeta
			Metadata metav1.ObjectMeta `json:"metadata"`
		}
		if err := json.Unmarshal(j, &head); err != nil {
			return nil, fmt.Errorf("%s document %d: %w", name, doc, err)
		}
		if head.Kind == "" {
			return nil, fmt.Errorf("%s document %d has no kind", name, doc)
		}
		o := object{file: name, doc: doc, TypeMeta: head.TypeMeta, meta: head.Metadata}
		if newValue, ok := kinds[o.GroupVersionKind()]; ok {
			o.value = newValue()
			strict, err := sigsjson.UnmarshalStrict(j, o.value)
			if err := errors.Join(append(strict, err)...); err != nil {
				return nil, fmt.Errorf("%s: %w", o, err)
			}
		}
		out = append(out, o)
	}
}

// applied are the objects kustomize applies: all but the example Secret.
func (s *setup) applied() []object {
	return slices.DeleteFunc(slices.Clone(s.objects), func(o object) bool { return o.file == exampleSecretFile })
}

// all returns the applied objects of type T.
func all[T any](s *setup) []*T {
	var out []*T
	for _, o := range s.applied() {
		if v, ok := o.value.(*T); ok {
			out = append(out, v)
		}
	}
	return out
}

func one[T any](s *setup) (*T, error) {
	found := all[T](s)
	if len(found) != 1 {
		return nil, fmt.Errorf("want exactly one %T under %s/, found %d", *new(T), k8sDir, len(found))
	}
	return found[0], nil
}

// environment is the container's environment as the kubelet builds it:
// envFrom sources in order, then env, each overriding what came before.
// Only ConfigMap sources are expanded; Secret values are not known here.
func (s *setup) environment(c corev1.Container) (map[string]corev1.EnvVar, error) {
	env := map[string]corev1.EnvVar{}
	for _, from := range c.EnvFrom {
		ref := from.ConfigMapRef
		if ref == nil {
			continue
		}
		i := slices.IndexFunc(all[corev1.ConfigMap](s), func(cm *corev1.ConfigMap) bool { return cm.Name == ref.Name })
		if i < 0 {
			if ptr.Deref(ref.Optional, false) {
				continue
			}
			return nil, fmt.Errorf("envFrom names ConfigMap %q, which is not under %s/", ref.Name, k8sDir)
		}
		for k, v := range all[corev1.ConfigMap](s)[i].Data {
			env[from.Prefix+k] = corev1.EnvVar{Name: from.Prefix + k, Value: v}
		}
	}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	return env, nil
}

// setting is the value the worker reads for name: def when unset or blank,
// as in cmd/hightouch-worker/config.go.
func (s *setup) setting(name, def string) (string, error) {
	e, ok := s.env[name]
	if !ok {
		return def, nil
	}
	if e.ValueFrom != nil {
		return "", fmt.Errorf("%s should be a plain value or come from a ConfigMap with envFrom", name)
	}
	return cmp.Or(strings.TrimSpace(e.Value), def), nil
}

// workerPort is the port the worker listens on in the pod.
func (s *setup) workerPort() (int, error) {
	addr, err := s.setting("HIGHTOUCH_WORKER_HTTP_ADDR", workerconfig.HTTPAddr)
	if err != nil {
		return 0, err
	}
	return portOf(addr)
}

func portOf(addr string) (int, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(port)
}

// sensitive reports whether an environment variable holds a credential.
func sensitive(name string) bool {
	if name == "HIGHTOUCH_CHECK_API_KEY" { // a boolean switch
		return false
	}
	return secretSuffix.MatchString(name)
}

var secretSuffix = regexp.MustCompile(`(^|_)(KEY|KEYS|KEY_DATA|TOKEN|PASSWORD|SECRET|AUTH)$`)

// selects reports whether sel is not empty and selects pods with podLabels.
func selects(sel *metav1.LabelSelector, podLabels map[string]string, what string) error {
	selector, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return errors.Join(
		expect(!selector.Empty(), "%s: an empty selector selects every pod", what),
		expect(selector.Matches(labels.Set(podLabels)), "%s selects %s, which the pod template's labels do not match", what, selector))
}

// ---- Kubernetes checks ----

func checkKinds(s *setup) error {
	var errs []error
	count := map[string]int{}
	seen := map[string]bool{}
	for _, o := range s.objects {
		if o.value == nil {
			errs = append(errs, fmt.Errorf("%s: unexpected kind %s", o, o.GroupVersionKind()))
			continue
		}
		count[o.Kind]++
		if o.Kind == kustomize.KustomizationKind {
			errs = append(errs, expect(o.file == kustomizationFile, "%s: the Kustomization belongs in %s", o, kustomizationFile))
			continue
		}
		id := o.Kind + "/" + o.meta.Name
		errs = append(errs,
			expect(o.meta.Name != "", "%s has no name", o),
			expect(!seen[id], "%s: %s is defined twice", o, id),
			// Real credentials never live in the repository.
			expect(o.Kind != "Secret" || o.file == exampleSecretFile, "%s: create Secrets out of band", o))
		seen[id] = true
	}
	for _, kind := range []string{"PodDisruptionBudget", kustomize.KustomizationKind, "Secret"} {
		errs = append(errs, expect(count[kind] == 1, "want one %s, found %d", kind, count[kind]))
	}
	return errors.Join(append(errs,
		expect(count["ConfigMap"] >= 1, "want a ConfigMap"),
		expect(count["Namespace"] <= 1, "want at most one Namespace"))...)
}

func checkNamespace(s *setup) error {
	want, first := "", true
	for _, ns := range all[corev1.Namespace](s) {
		want, first = ns.Name, false
	}
	var errs []error
	for _, o := range s.objects {
		if o.Kind == "Namespace" || o.Kind == kustomize.KustomizationKind {
			continue
		}
		if first {
			want, first = o.meta.Namespace, false
		}
		errs = append(errs, expect(o.meta.Namespace == want, "%s: every object belongs in namespace %q", o, want))
	}
	return errors.Join(errs...)
}

// Numbers and booleans in a ConfigMap's data are rejected by parse, as the
// API server rejects them.
func checkConfigMaps(s *setup) error {
	var errs []error
	for _, cm := range all[corev1.ConfigMap](s) {
		for k := range cm.Data {
			errs = append(errs, expect(!sensitive(k), "ConfigMap %s: %s belongs in a Secret", cm.Name, k))
		}
	}
	return errors.Join(errs...)
}

func checkSelectors(s *setup) error {
	d := s.deployment
	p, err := one[policyv1.PodDisruptionBudget](s)
	if err != nil {
		return err
	}
	podLabels := d.Spec.Template.Labels
	replicas := ptr.Deref(d.Spec.Replicas, 1)
	errs := []error{
		selects(d.Spec.Selector, podLabels, "Deployment"),
		expect(replicas >= 2, "one replica leaves the task queue unpolled during restarts"),
		selects(p.Spec.Selector, podLabels, "PodDisruptionBudget"),
		expect(reflect.DeepEqual(d.Spec.Selector, p.Spec.Selector), "the PDB must cover exactly the worker's pods"),
		expect(p.Spec.MaxUnavailable == nil, "use minAvailable"),
	}
	for _, c := range d.Spec.Template.Spec.TopologySpreadConstraints {
		errs = append(errs, selects(c.LabelSelector, podLabels, "topologySpreadConstraint"))
	}
	if m := p.Spec.MinAvailable; m == nil || m.Type != intstr.Int {
		errs = append(errs, fmt.Errorf("minAvailable should be a number, got %v", m))
	} else {
		errs = append(errs,
			expect(m.IntVal >= 1, "minAvailable %d leaves no poller during drains", m.IntVal),
			expect(m.IntVal < replicas, "minAvailable %d >= %d replicas blocks every node drain", m.IntVal, replicas))
	}
	return errors.Join(errs...)
}

func checkRollout(s *setup) error {
	strategy := cmp.Or(s.deployment.Spec.Strategy.Type, appsv1.RollingUpdateDeploymentStrategyType)
	return expect(strategy == appsv1.RollingUpdateDeploymentStrategyType, "roll replicas one at a time; %s stops all polling", strategy)
}

func checkContainer(s *setup) error {
	c := s.worker
	ref, err := reference.ParseNormalizedNamed(c.Image)
	if err != nil {
		return fmt.Errorf("image %q: %w", c.Image, err)
	}
	_, digested := ref.(reference.Digested)
	tagged, hasTag := ref.(reference.Tagged)
	return errors.Join(
		expect(digested || hasTag, "image %q has no tag", c.Image),
		expect(!hasTag || tagged.Tag() != "latest", "pin the image to a release, not %q", c.Image),
		// The image's ENTRYPOINT is the worker; a command would replace it.
		expect(len(c.Command) == 0, "the container should not set command, which replaces the worker"))
}

func checkSecurity(s *setup) error {
	pod := s.deployment.Spec.Template.Spec
	ps := ptr.Deref(pod.SecurityContext, corev1.PodSecurityContext{})
	errs := []error{
		expect(!ptr.Deref(pod.AutomountServiceAccountToken, true), "the worker never calls the Kubernetes API; don't mount a token"),
		expect(!pod.HostNetwork && !pod.HostPID && !pod.HostIPC, "the pod should not share the host's namespaces"),
	}
	for _, c := range slices.Concat(pod.InitContainers, pod.Containers) {
		sc := ptr.Deref(c.SecurityContext, corev1.SecurityContext{})
		// The container's settings override the pod's.
		uid := cmp.Or(sc.RunAsUser, ps.RunAsUser)
		seccomp := ptr.Deref(cmp.Or(sc.SeccompProfile, ps.SeccompProfile), corev1.SeccompProfile{})
		caps := ptr.Deref(sc.Capabilities, corev1.Capabilities{})
		errs = append(errs,
			expect(ptr.Deref(cmp.Or(sc.RunAsNonRoot, ps.RunAsNonRoot), false), "%s: runAsNonRoot", c.Name),
			// Numeric, so the kubelet can enforce runAsNonRoot whatever the image's USER says.
			expect(ptr.Deref(uid, 0) != 0, "%s: set runAsUser to a user other than root", c.Name),
			expect(ptr.Deref(sc.ReadOnlyRootFilesystem, false), "%s: readOnlyRootFilesystem", c.Name),
			expect(!ptr.Deref(sc.AllowPrivilegeEscalation, true), "%s: allowPrivilegeEscalation must be false", c.Name),
			expect(!ptr.Deref(sc.Privileged, false), "%s: privileged", c.Name),
			expect(slices.Contains(caps.Drop, "ALL"), "%s: drop all capabilities", c.Name),
			expect(len(caps.Add) == 0, "%s: adds capabilities %v", c.Name, caps.Add),
			expect(seccomp.Type == corev1.SeccompProfileTypeRuntimeDefault, "%s: seccomp profile %q, want RuntimeDefault", c.Name, seccomp.Type))
	}
	return errors.Join(errs...)
}

func checkProbes(s *setup) error {
	c := s.worker
	port, err := s.workerPort()
	if err != nil {
		return err
	}
	named := map[string]int{}
	var errs []error
	for _, p := range c.Ports {
		errs = append(errs, expect(cmp.Or(p.Protocol, corev1.ProtocolTCP) == corev1.ProtocolTCP, "port %s: the worker serves TCP", p.Name))
		named[p.Name] = int(p.ContainerPort)
	}
	errs = append(errs, expect(named["http"] == port, "the container port named http is %d; the worker listens on %d", named["http"], port))
	for _, p := range []struct {
		kind, path string
		probe      *corev1.Probe
	}{
		{"liveness", workerconfig.HealthPath, c.LivenessProbe},
		{"readiness", workerconfig.ReadyPath, c.ReadinessProbe},
	} {
		if p.probe == nil || p.probe.HTTPGet == nil {
			errs = append(errs, fmt.Errorf("want an HTTP GET %s probe", p.kind))
			continue
		}
		get := p.probe.HTTPGet
		got := get.Port.IntValue()
		if get.Port.Type == intstr.String {
			n, ok := named[get.Port.StrVal]
			errs = append(errs, expect(ok, "the %s probe names port %q, which the container does not declare", p.kind, get.Port.StrVal))
			got = n
		}
		errs = append(errs,
			expect(get.Path == p.path, "%s probe path %q, want %q", p.kind, get.Path, p.path),
			expect(cmp.Or(get.Scheme, corev1.URISchemeHTTP) == corev1.URISchemeHTTP, "%s probe scheme %s", p.kind, get.Scheme),
			expect(got == port, "%s probe on port %d; the worker listens on %d", p.kind, got, port))
	}
	return errors.Join(errs...)
}

func checkMetrics(s *setup) error {
	port, err := s.workerPort()
	if err != nil {
		return err
	}
	a := s.deployment.Spec.Template.Annotations
	return errors.Join(
		expect(a["prometheus.io/scrape"] == "true", "annotate prometheus.io/scrape: \"true\""),
		expect(a["prometheus.io/port"] == strconv.Itoa(port), "prometheus.io/port %q; the worker listens on %d", a["prometheus.io/port"], port),
		expect(a["prometheus.io/path"] == workerconfig.MetricsPath, "prometheus.io/path %q, want %s", a["prometheus.io/path"], workerconfig.MetricsPath))
}

// Quantities were parsed (resource.ParseQuantity) when the Deployment was decoded.
func checkResources(s *setup) error {
	c := s.worker
	var errs []error
	for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, hasReq := c.Resources.Requests[res]
		lim, hasLim := c.Resources.Limits[res]
		if !hasReq || !hasLim {
			errs = append(errs, fmt.Errorf("set a %s request and limit", res))
			continue
		}
		errs = append(errs,
			expect(req.Sign() > 0, "%s request %s", res, req.String()),
			expect(req.Cmp(lim) <= 0, "%s request %s is above the limit %s", res, req.String(), lim.String()))
	}
	return errors.Join(errs...)
}

func checkGracefulStop(s *setup) error {
	raw, err := s.setting("HIGHTOUCH_WORKER_STOP_TIMEOUT", workerconfig.StopTimeout.String())
	if err != nil {
		return err
	}
	stop, err := time.ParseDuration(raw)
	if err != nil {
		return fmt.Errorf("HIGHTOUCH_WORKER_STOP_TIMEOUT: %w", err)
	}
	grace := time.Duration(ptr.Deref(s.deployment.Spec.Template.Spec.TerminationGracePeriodSeconds, corev1.DefaultTerminationGracePeriodSeconds)) * time.Second
	return expect(grace > stop, "terminationGracePeriodSeconds (%s) must exceed the worker's stop timeout (%s), or running activities are killed", grace, stop)
}

func checkRateLimit(s *setup) error {
	raw, err := s.setting("HIGHTOUCH_RATE_LIMIT", strconv.FormatFloat(workerconfig.RateLimit, 'f', -1, 64))
	if err != nil {
		return err
	}
	rate, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return fmt.Errorf("HIGHTOUCH_RATE_LIMIT: %w", err)
	}
	// Each replica limits only itself, and the worker's default is the
	// whole workspace's budget.
	replicas := ptr.Deref(s.deployment.Spec.Replicas, 1)
	budget := workerconfig.RateLimit
	return errors.Join(
		expect(rate > 0, "HIGHTOUCH_RATE_LIMIT 0 turns the limit off"),
		expect(rate*float64(replicas) <= budget+1e-9,
			"%d replicas x HIGHTOUCH_RATE_LIMIT %s exceed %v requests/s; set it to about %v / replicas", replicas, raw, budget, budget))
}

func exampleSecret(s *setup) (*corev1.Secret, error) {
	var docs []object
	for _, o := range s.objects {
		if o.file == exampleSecretFile {
			docs = append(docs, o)
		}
	}
	if len(docs) != 1 {
		return nil, fmt.Errorf("%s should hold one document, not %d", exampleSecretFile, len(docs))
	}
	sec, ok := docs[0].value.(*corev1.Secret)
	if !ok {
		return nil, fmt.Errorf("%s should hold a Secret", exampleSecretFile)
	}
	return sec, nil
}

func checkCredentials(s *setup) error {
	c := s.worker
	example, err := exampleSecret(s)
	if err != nil {
		return err
	}
	inExample := func(name, key string) error {
		_, hasKey := example.StringData[key]
		return errors.Join(
			expect(name == example.Name, "the Deployment uses Secret %q; %s documents %q", name, exampleSecretFile, example.Name),
			expect(hasKey, "%s lacks the key %q the Deployment uses", exampleSecretFile, key))
	}
	secretRef := func(e corev1.EnvVar) *corev1.SecretKeySelector {
		if e.ValueFrom == nil {
			return nil
		}
		return e.ValueFrom.SecretKeyRef
	}

	var errs []error
	for _, from := range c.EnvFrom {
		errs = append(errs, expect(from.SecretRef == nil, "envFrom a Secret exposes every key as a variable"))
	}
	for name, e := range s.env {
		ref := secretRef(e)
		errs = append(errs, expect(!sensitive(name) || ref != nil, "%s is a literal; take it from a Secret", name))
		if ref != nil {
			errs = append(errs, inExample(ref.Name, ref.Key))
		}
	}
	// Optional, so a Temporal server without API keys needs nothing.
	tk := secretRef(s.env["TEMPORAL_API_KEY"])
	errs = append(errs, expect(tk != nil && ptr.Deref(tk.Optional, false), "TEMPORAL_API_KEY should come from an optional secretKeyRef"))

	// The Hightouch key is a file from the Secret, not a variable.
	_, inEnv := s.env["HIGHTOUCH_API_KEY"]
	errs = append(errs, expect(!inEnv, "pass the Hightouch key as a file (HIGHTOUCH_API_KEY_FILE), not HIGHTOUCH_API_KEY"))
	return errors.Join(append(errs, secretFile(s, "HIGHTOUCH_API_KEY_FILE", hightouchKeyName)...)...)
}

// secretFile checks that the file the environment variable fileVar names is
// the Secret's key, mounted so that the worker can read it and a rotation
// reaches it.
func secretFile(s *setup, fileVar, key string) []error {
	c, pod := s.worker, s.deployment.Spec.Template.Spec
	example, err := exampleSecret(s)
	if err != nil {
		return []error{err}
	}
	file, err := s.setting(fileVar, "")
	if err != nil || !path.IsAbs(file) {
		return []error{err, fmt.Errorf("%s should name the mounted file, got %q", fileVar, file)}
	}
	dir, base := path.Dir(file), path.Base(file)
	i := slices.IndexFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return path.Clean(m.MountPath) == dir })
	if i < 0 {
		return []error{fmt.Errorf("nothing is mounted at %s", dir)}
	}
	mount := c.VolumeMounts[i]
	errs := []error{
		expect(mount.SubPath == "", "a subPath mount never sees a rotated key"),
		expect(mount.ReadOnly, "mount the key read-only"),
	}
	i = slices.IndexFunc(pod.Volumes, func(v corev1.Volume) bool { return v.Name == mount.Name })
	if i < 0 || pod.Volumes[i].Secret == nil {
		return append(errs, fmt.Errorf("volume %q should come from a Secret", mount.Name))
	}
	vol := pod.Volumes[i].Secret
	projected, mode := base, ptr.Deref(vol.DefaultMode, corev1.SecretVolumeSourceDefaultMode)
	if len(vol.Items) > 0 {
		projected = ""
		for _, it := range vol.Items {
			if path.Clean(it.Path) == base {
				projected, mode = it.Key, ptr.Deref(it.Mode, mode)
			}
		}
	}
	_, documented := example.StringData[projected]
	// The file belongs to root (group fsGroup, if set); the worker is not root.
	readable := mode&0o004 != 0 || (pod.SecurityContext != nil && pod.SecurityContext.FSGroup != nil && mode&0o040 != 0)
	return append(errs,
		expect(!ptr.Deref(vol.Optional, false), "without the key the worker cannot start; let the pod wait for the Secret"),
		expect(projected == key, "%s should hold the Secret's %q key, not %q", file, key, projected),
		expect(vol.SecretName == example.Name, "the Deployment uses Secret %q; %s documents %q", vol.SecretName, exampleSecretFile, example.Name),
		expect(documented, "%s lacks the key %q the Deployment uses", exampleSecretFile, projected),
		expect(readable, "mode %#o leaves %s unreadable to the worker", mode, file))
}

// checkEncryption: payloads are encrypted, with keys from the Secret as a
// file and the current key named by plain configuration, so that rotating
// is a ConfigMap change.
func checkEncryption(s *setup) error {
	_, inEnv := s.env[codec.EnvKeys]
	errs := []error{expect(!inEnv, "pass the codec keys as a file (%s), not %s", codec.EnvKeysFile, codec.EnvKeys)}
	if _, ok := s.env[codec.EnvKeysFile]; !ok {
		return errors.Join(append(errs, fmt.Errorf("set %s: payloads would reach Temporal in plain text", codec.EnvKeysFile))...)
	}
	errs = append(errs, secretFile(s, codec.EnvKeysFile, codecKeysName)...)
	id, err := s.setting(codec.EnvKeyID, "")
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	// The id must be one the worker accepts; the key here is a stand-in.
	_, err = codec.NewKeys(id, map[string][]byte{id: make([]byte, codec.KeySize)})
	return errors.Join(append(errs,
		expect(id != "", "set %s, so that adding a key to the Secret does not stop the worker and rotating is a ConfigMap change", codec.EnvKeyID),
		expect(id == "" || err == nil, "%s: %v", codec.EnvKeyID, err))...)
}

var placeholder = regexp.MustCompile(`^REPLACE_WITH_[A-Z0-9_]+$`)

func checkExampleSecret(s *setup) error {
	firstLine, _, _ := strings.Cut(s.files[exampleSecretFile], "\n")
	sec, err := exampleSecret(s)
	if err != nil {
		return err
	}
	_, hasKey := sec.StringData[hightouchKeyName]
	errs := []error{
		expect(strings.Contains(firstLine, "EXAMPLE"), "%s must say at the top that it is an example", exampleSecretFile),
		expect(len(sec.Data) == 0, "use stringData, so the placeholders stay readable"),
		expect(hasKey, "%s should document the key %q", exampleSecretFile, hightouchKeyName),
	}
	for k, v := range sec.StringData {
		errs = append(errs, expect(placeholder.MatchString(v), "%s: %s must be a placeholder", exampleSecretFile, k))
	}
	return errors.Join(errs...)
}

func checkKustomization(s *setup) error {
	k, err := one[kustomize.Kustomization](s)
	if err != nil {
		return err
	}
	var errs []error
	listed := map[string]bool{}
	for _, r := range k.Resources {
		p := path.Join(k8sDir, r)
		_, exists := s.files[p]
		errs = append(errs,
			expect(!listed[p], "%s is listed twice", r),
			expect(exists, "kustomization.yaml lists %s, which does not exist", r),
			expect(p != exampleSecretFile, "the example Secret must never be applied"))
		listed[p] = true
	}
	for name := range s.files {
		if isManifestFile(name) && name != kustomizationFile && name != exampleSecretFile {
			errs = append(errs, expect(listed[name], "%s is not listed in kustomization.yaml", name))
		}
	}
	for _, g := range k.SecretGenerator {
		errs = append(errs, expect(len(g.LiteralSources) == 0, "secretGenerator literals put keys in the repository"))
	}
	return errors.Join(errs...)
}

// ---- Dockerfile ----

// commands returns st's commands of type T, in order.
func commands[T instructions.Command](st instructions.Stage) []T {
	var out []T
	for _, c := range st.Commands {
		if v, ok := c.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

func last[T instructions.Command](st instructions.Stage) (T, bool) {
	cs := commands[T](st)
	if len(cs) == 0 {
		return *new(T), false
	}
	return cs[len(cs)-1], true
}

func line(c instructions.Command) int {
	if loc := c.Location(); len(loc) > 0 {
		return loc[0].Start.Line
	}
	return 0
}

func cacheTargets(run *instructions.RunCommand) []string {
	var out []string
	for _, m := range instructions.GetMounts(run) {
		if m.Type == instructions.MountTypeCache {
			out = append(out, m.Target)
		}
	}
	return out
}

type goBuild struct {
	line     int
	env      map[string]string // the stage's ENV, then the command's own assignments
	flags    map[string]string
	packages []string
	caches   []string
}

// valueFlags are the go build flags that take a separate argument.
var valueFlags = map[string]bool{"o": true, "ldflags": true, "gcflags": true, "asmflags": true,
	"tags": true, "mod": true, "p": true, "pgo": true, "buildmode": true, "modfile": true,
	"overlay": true, "toolexec": true, "C": true, "installsuffix": true, "coverpkg": true}

// goBuilds finds every go build command in st. A shell-form RUN is parsed
// as the shell that runs it would; build arguments expand to "".
func goBuilds(st instructions.Stage) ([]goBuild, error) {
	var out []goBuild
	stageEnv := map[string]string{}
	for _, c := range st.Commands {
		switch c := c.(type) {
		case *instructions.EnvCommand:
			for _, kv := range c.Env {
				stageEnv[kv.Key] = kv.Value
			}
		case *instructions.RunCommand:
			calls, err := runCalls(c)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", line(c), err)
			}
			for _, call := range calls {
				if len(call.args) >= 2 && call.args[0] == "go" && call.args[1] == "build" {
					env := maps.Clone(stageEnv)
					maps.Copy(env, call.env)
					out = append(out, parseGoBuild(line(c), env, cacheTargets(c), call.args[2:]))
				}
			}
		}
	}
	return out, nil
}

// call is one simple command: its variable assignments and its words.
type call struct {
	env  map[string]string
	args []string
}

func runCalls(run *instructions.RunCommand) ([]call, error) {
	if !run.PrependShell { // exec form: one command, no shell
		return []call{{args: run.CmdLine}}, nil
	}
	f, err := syntax.NewParser().Parse(strings.NewReader(strings.Join(run.CmdLine, " ")), "")
	if err != nil {
		return nil, err
	}
	var calls []call
	syntax.Walk(f, func(n syntax.Node) bool {
		ce, ok := n.(*syntax.CallExpr)
		if !ok || err != nil {
			return err == nil
		}
		c := call{env: map[string]string{}}
		for _, a := range ce.Assigns {
			if c.env[a.Name.Value], err = expand.Literal(nil, a.Value); err != nil {
				return false
			}
		}
		c.args, err = expand.Fields(nil, ce.Args...)
		calls = append(calls, c)
		return err == nil
	})
	return calls, err
}

func (b goBuild) String() string {
	return fmt.Sprintf("line %d, go build %s", b.line, strings.Join(b.packages, " "))
}

func parseGoBuild(line int, env map[string]string, caches, args []string) goBuild {
	b := goBuild{line: line, env: env, flags: map[string]string{}, caches: caches}
	for i := 0; i < len(args); i++ {
		if !strings.HasPrefix(args[i], "-") {
			b.packages = append(b.packages, args[i])
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !hasValue && valueFlags[name] && i+1 < len(args) {
			i++
			value = args[i]
		}
		b.flags[name] = value
	}
	return b
}

func final(s *setup) instructions.Stage { return s.stages[len(s.stages)-1] }

// copiesFrom maps destination to source for the COPY --from=<from> lines of st.
func copiesFrom(st instructions.Stage, from string) map[string]string {
	out := map[string]string{}
	for _, c := range commands[*instructions.CopyCommand](st) {
		if c.From == from && len(c.SourcePaths) == 1 {
			out[c.DestPath] = c.SourcePaths[0]
		}
	}
	return out
}

// goList runs go list in the repository, as the image's build sees it, and
// returns the packages of this module it lists.
func goList(args ...string) ([]listedPackage, error) {
	key := strings.Join(args, " ")
	if l, ok := listed[key]; ok {
		return l, nil
	}
	cmd := exec.Command("go", append([]string{"list", "-json=Dir,Name,GoFiles,EmbedFiles,Module"}, args...)...)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	cmd.Stderr = new(bytes.Buffer)
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s: %w: %s", key, err, cmd.Stderr)
	}
	var pkgs []listedPackage
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		if p.Module != nil && p.Module.Main {
			pkgs = append(pkgs, p)
		}
	}
	listed[key] = pkgs
	return pkgs, nil
}

type listedPackage struct {
	Dir, Name           string
	GoFiles, EmbedFiles []string
	Module              *struct{ Main bool }
}

var listed = map[string][]listedPackage{}

func builtPackages(s *setup) []string {
	var pkgs []string
	for _, b := range s.builds {
		pkgs = append(pkgs, b.packages...)
	}
	return pkgs
}

func checkDockerStages(s *setup) error {
	errs := []error{
		expect(s.builder.Name != "", "name the builder stage (FROM ... AS name)"),
		expect(s.builder.Name != final(s).Name, "the builder must not be the final image"),
	}
	names := map[string]bool{}
	for _, st := range s.stages {
		errs = append(errs, expect(st.Name == "" || !names[st.Name], "stage %s is defined twice", st.Name))
		names[st.Name] = true
	}
	return errors.Join(errs...)
}

func checkDockerBuilder(s *setup) error {
	b := s.builder
	m := regexp.MustCompile(`^golang:(\d+\.\d+)(\.\d+)?(-[a-z0-9]+)?$`).FindStringSubmatch(b.BaseName)
	if m == nil {
		return fmt.Errorf("the builder should be a tagged golang image, got %q", b.BaseName)
	}
	data, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	if err != nil {
		return err
	}
	mod, err := modfile.ParseLax("go.mod", data, nil)
	if err != nil {
		return err
	}
	if mod.Go == nil {
		return errors.New("go.mod has no go line")
	}
	release := strings.TrimPrefix(version.Lang("go"+mod.Go.Version), "go")
	return expect(m[1] == release, "the builder's Go %s should be go.mod's %s", m[1], release)
}

func checkDockerBuildFlags(s *setup) error {
	var errs []error
	for _, b := range s.builds {
		_, trimpath := b.flags["trimpath"]
		ld := strings.Fields(b.flags["ldflags"])
		errs = append(errs,
			// The runtime image has no libc.
			expect(b.env["CGO_ENABLED"] == "0", "%s: build with CGO_ENABLED=0", b),
			expect(trimpath, "%s: build with -trimpath", b),
			expect(slices.Contains(ld, "-s") && slices.Contains(ld, "-w"), "%s: build with -ldflags \"-s -w\"", b),
			// client.Version is a const, which -X silently leaves alone.
			expect(!slices.Contains(ld, "-X"), "%s: -X cannot set client.Version", b))
	}
	return errors.Join(errs...)
}

func checkDockerTargets(s *setup) error {
	b, builds := s.builder, s.builds
	var errs []error
	outputs := map[string]string{}
	for _, gb := range builds {
		if len(gb.packages) != 1 {
			errs = append(errs, fmt.Errorf("%s: one package per go build, each with its own -o", gb))
			continue
		}
		outputs[gb.packages[0]] = gb.flags["o"]
	}
	// Every command ships in the image.
	copied := slices.Collect(maps.Values(copiesFrom(final(s), b.Name)))
	for _, cmd := range []struct{ pkg, out, what string }{
		{"./cmd/hightouch-worker", "/out/hightouch-worker", "the worker"},
		{"./cmd/hightouch-starter", "/out/hightouch-starter", "the starter"},
		{"./cmd/hightouch-codec-server", "/out/hightouch-codec-server", "the codec server"},
	} {
		errs = append(errs,
			expect(outputs[cmd.pkg] == cmd.out, "build %s into %s", cmd.pkg, cmd.out),
			expect(slices.Contains(copied, cmd.out), "the image should contain %s", cmd.what))
	}
	return errors.Join(errs...)
}

// checkBuiltPackages: the image builds main packages of this module.
func checkBuiltPackages(s *setup) error {
	pkgs := builtPackages(s)
	list, err := goList(pkgs...)
	if err != nil {
		return err
	}
	errs := []error{expect(len(list) == len(pkgs), "the Dockerfile builds %v; this module has %d of them", pkgs, len(list))}
	for _, p := range list {
		errs = append(errs, expect(p.Name == "main", "%s is package %s, not a command", p.Dir, p.Name))
	}
	return errors.Join(errs...)
}

func checkDockerCache(s *setup) error {
	b, builds := s.builder, s.builds
	var errs []error
	copyMod, download, copyAll, build := -1, -1, -1, -1
	for i, c := range b.Commands {
		switch c := c.(type) {
		case *instructions.CopyCommand:
			if copyMod < 0 && slices.Equal(c.SourcePaths, []string{"go.mod", "go.sum"}) {
				copyMod = i
			}
			if copyAll < 0 && slices.Equal(c.SourcePaths, []string{"."}) {
				copyAll = i
			}
		case *instructions.RunCommand:
			cmdLine := strings.Join(c.CmdLine, " ")
			if download < 0 && strings.Contains(cmdLine, "go mod download") {
				download = i
				errs = append(errs, expect(slices.Contains(cacheTargets(c), "/go/pkg/mod"), "line %d: cache the module download", line(c)))
			}
			if build < 0 && strings.Contains(cmdLine, "go build") {
				build = i
			}
		}
	}
	// Dependencies are downloaded in a layer that only go.mod and go.sum invalidate.
	errs = append(errs, expect(copyMod >= 0 && download > copyMod && copyAll > download && build > copyAll,
		"want COPY go.mod go.sum, RUN go mod download, COPY . ., then go build (got commands %d, %d, %d, %d)", copyMod, download, copyAll, build))
	for _, gb := range builds {
		errs = append(errs,
			expect(slices.Contains(gb.caches, "/go/pkg/mod"), "%s: mount the module cache", gb),
			expect(slices.Contains(gb.caches, "/root/.cache/go-build"), "%s: mount the build cache", gb))
	}
	return errors.Join(errs...)
}

func checkDockerRuntime(s *setup) error {
	f := final(s)
	errs := []error{
		expect(regexp.MustCompile(`^gcr\.io/distroless/static(-debian\d+)?:nonroot$`).MatchString(f.BaseName),
			"the image should be distroless static, nonroot; got %s", f.BaseName),
		expect(len(commands[*instructions.RunCommand](f)) == 0, "distroless has no shell to RUN with"),
	}
	user, ok := last[*instructions.UserCommand](f)
	if !ok {
		return errors.Join(append(errs, errors.New("the final stage should set USER"))...)
	}
	name, _, _ := strings.Cut(user.User, ":")
	uid, err := strconv.Atoi(name)
	return errors.Join(append(errs,
		expect(name != "" && name != "root" && (err != nil || uid != 0), "line %d: USER %s runs as root", line(user), user.User))...)
}

func checkDockerEntrypoint(s *setup) error {
	b := s.builder
	ep, ok := last[*instructions.EntrypointCommand](final(s))
	if !ok || len(ep.CmdLine) == 0 {
		return errors.New("the final stage should set ENTRYPOINT")
	}
	src := copiesFrom(final(s), b.Name)[ep.CmdLine[0]]
	return errors.Join(
		// Exec form: the worker is PID 1 and gets SIGTERM itself.
		expect(!ep.PrependShell, "line %d: ENTRYPOINT should be in exec form (a JSON array)", line(ep)),
		expect(src == "/out/hightouch-worker", "ENTRYPOINT %s should run the worker, not %q", ep.CmdLine[0], src))
}

func checkDockerExpose(s *setup) error {
	port, err := portOf(workerconfig.HTTPAddr)
	if err != nil {
		return err
	}
	ex, ok := last[*instructions.ExposeCommand](final(s))
	p := strconv.Itoa(port)
	return expect(ok && (slices.Contains(ex.Ports, p) || slices.Contains(ex.Ports, p+"/tcp")), "the final stage should EXPOSE the worker's port %s", p)
}

func checkDockerLabels(s *setup) error {
	keys := map[string]bool{}
	for _, l := range commands[*instructions.LabelCommand](final(s)) {
		for _, kv := range l.Labels {
			keys[kv.Key] = true
		}
	}
	var errs []error
	for _, k := range []string{"org.opencontainers.image.title", "org.opencontainers.image.source", "org.opencontainers.image.version"} {
		errs = append(errs, expect(keys[k], "missing label %s", k))
	}
	return errors.Join(errs...)
}

func checkDockerignore(s *setup) error {
	text, ok := s.files[dockerignoreFile]
	if !ok {
		return fmt.Errorf("%s is missing", dockerignoreFile)
	}
	patterns, err := ignorefile.ReadAll(strings.NewReader(text))
	if err != nil {
		return err
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return err
	}
	ignored := func(p string) bool {
		m, err := pm.MatchesOrParentMatches(p)
		return err != nil || m
	}

	// Everything the build compiles or embeds stays in the context.
	list, err := goList(append([]string{"-deps"}, builtPackages(s)...)...)
	if err != nil {
		return err
	}
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		return err
	}
	needed := []string{"go.mod", "go.sum"}
	for _, p := range list {
		dir, err := filepath.Rel(root, p.Dir)
		if err != nil {
			return err
		}
		for _, f := range slices.Concat(p.GoFiles, p.EmbedFiles) {
			needed = append(needed, path.Join(filepath.ToSlash(dir), f))
		}
	}
	errs := []error{expect(ignored(".git/config"), "keep .git out of the build context")}
	for _, p := range needed {
		errs = append(errs, expect(!ignored(p), "%s excludes %s, which the build needs", dockerignoreFile, p))
	}
	return errors.Join(errs...)
}

// ---- the checks fail when they should ----

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

const (
	dep = "k8s/deployment.yaml"
	cm  = "k8s/configmap.yaml"
	pdb = "k8s/pdb.yaml"
	kus = kustomizationFile
	sec = exampleSecretFile
	df  = dockerfileFile
	di  = dockerignoreFile
)

// TestParseRejects: what the API server or BuildKit would reject, and a tree
// without the worker's pod or a builder stage, fails before any check runs.
func TestParseRejects(t *testing.T) {
	cases := []struct {
		name   string
		mutate mutation
	}{
		{"unknown field", edit(dep, "replicas: 2", "replica: 2")},
		{"miscased field", edit(dep, "readOnlyRootFilesystem: true", "readOnlyRootFileSystem: true")},
		{"field in the wrong place", edit(dep, "      automountServiceAccountToken: false", "      automountServiceAccountToken: false\n      readOnlyRootFilesystem: true")},
		{"duplicate key", edit(cm, "  TEMPORAL_NAMESPACE: default\n", "  TEMPORAL_NAMESPACE: default\n  TEMPORAL_NAMESPACE: other\n")},
		{"number in ConfigMap", edit(cm, `HIGHTOUCH_RATE_LIMIT: "9"`, `HIGHTOUCH_RATE_LIMIT: 9`)},
		{"bad quantity", edit(dep, "memory: 128Mi", "memory: 128MB")},
		{"kustomization typo", edit(kus, "resources:", "resource:")},
		{"no kind", edit(pdb, "kind: PodDisruptionBudget\n", "")},
		{"unknown instruction", edit(df, "EXPOSE 9090", "EXPOZE 9090")},
		{"bad RUN mount", edit(df, "--mount=type=cache,target=/root/.cache/go-build", "--mount=type=cash,target=/root/.cache/go-build")},
		{"sidecar", edit(dep, "      volumes:\n", "        - name: sidecar\n          image: busybox:1.37\n      volumes:\n")},
		{"no go build", func(t *testing.T, files tree) { files[df] = strings.ReplaceAll(files[df], "go build", "go vet") }},
	}
	base := readTree(t)
	_, err := parse(base)
	require.NoError(t, err)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := maps.Clone(base)
			c.mutate(t, files)
			_, err := parse(files)
			require.Error(t, err)
			t.Log(err)
		})
	}
}

func TestChecksCatchBrokenProperties(t *testing.T) {
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
		{"key in ConfigMap", checkConfigMaps, edit(cm, "  TEMPORAL_NAMESPACE: default\n", "  TEMPORAL_NAMESPACE: default\n  TEMPORAL_API_KEY: abc\n")},
		{"template label drift", checkSelectors, edit(dep,
			"        app.kubernetes.io/component: worker\n        app.kubernetes.io/part-of",
			"        app.kubernetes.io/component: api\n        app.kubernetes.io/part-of")},
		{"PDB selects other pods", checkSelectors, edit(pdb, "      app.kubernetes.io/component: worker\n", "      app.kubernetes.io/component: starter\n")},
		{"PDB blocks drains", checkSelectors, edit(pdb, "minAvailable: 1", "minAvailable: 2")},
		{"PDB as a percentage", checkSelectors, edit(pdb, "minAvailable: 1", "minAvailable: 50%")},
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
		{"encryption off", checkEncryption, edit(dep,
			"            - name: HIGHTOUCH_CODEC_KEYS_FILE\n              value: /var/run/secrets/hightouch/codec-keys\n", "")},
		{"codec keys as a variable", checkEncryption, edit(dep,
			"            - name: HIGHTOUCH_CODEC_KEYS_FILE\n              value: /var/run/secrets/hightouch/codec-keys\n",
			"            - name: HIGHTOUCH_CODEC_KEYS_FILE\n              value: /var/run/secrets/hightouch/codec-keys\n            - name: HIGHTOUCH_CODEC_KEYS\n              value: k1=a2V5\n")},
		{"literal codec keys", checkCredentials, edit(dep,
			"            - name: HIGHTOUCH_CODEC_KEYS_FILE\n              value: /var/run/secrets/hightouch/codec-keys\n",
			"            - name: HIGHTOUCH_CODEC_KEYS\n              value: k1=a2V5\n")},
		{"codec keys in ConfigMap", checkConfigMaps, edit(cm, "  HIGHTOUCH_CODEC_KEY_ID: k1\n", "  HIGHTOUCH_CODEC_KEY_ID: k1\n  HIGHTOUCH_CODEC_KEYS: k1=a2V5\n")},
		{"codec keys not projected", checkEncryption, edit(dep, "              - key: codec-keys\n                path: codec-keys\n", "")},
		{"codec keys from the wrong Secret key", checkEncryption, edit(dep, "              - key: codec-keys\n", "              - key: temporal-api-key\n")},
		{"codec keys elsewhere", checkEncryption, edit(dep, "value: /var/run/secrets/hightouch/codec-keys", "value: /etc/hightouch/codec-keys")},
		{"no current key id", checkEncryption, edit(cm, "  HIGHTOUCH_CODEC_KEY_ID: k1\n", "")},
		{"bad key id", checkEncryption, edit(cm, "HIGHTOUCH_CODEC_KEY_ID: k1", `HIGHTOUCH_CODEC_KEY_ID: "k 1"`)},
		{"codec keys undocumented", checkEncryption, edit(sec, "  codec-keys: REPLACE_WITH_CODEC_KEYS\n", "")},
		{"codec keys unreadable", checkEncryption, edit(dep, "defaultMode: 0440", "defaultMode: 0400")},
		{"example Secret holds a real key", checkExampleSecret, edit(sec, "api-key: REPLACE_WITH_HIGHTOUCH_API_KEY", "api-key: 3f9c1c2e-5d1b-4a7e")},
		{"example Secret as data", checkExampleSecret, edit(sec, "stringData:", "data:\n  api-key: UkVQTEFDRQ==\nstringData:")},
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
		{"starter not built", checkDockerTargets, edit(df, " && \\\n    GOOS=$TARGETOS GOARCH=$TARGETARCH \\\n    go build -trimpath -ldflags \"-s -w\" -o /out/hightouch-starter ./cmd/hightouch-starter", "")},
		{"starter not shipped", checkDockerTargets, edit(df, "COPY --from=build /out/hightouch-starter /hightouch-starter\n", "")},
		{"codec server not shipped", checkDockerTargets, edit(df, "COPY --from=build /out/hightouch-codec-server /hightouch-codec-server\n", "")},
		{"library built", checkBuiltPackages, edit(df, "-o /out/hightouch-starter ./cmd/hightouch-starter", "-o /out/hightouch-starter ./client")},
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
		{"sources left out", checkDockerignore, edit(di, "\n.git\n", "\n.git\ncmd\n")},
		{"go.sum left out", checkDockerignore, edit(di, "\n.git\n", "\n.git\n*.sum\n")},
	}
	base := readTree(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := maps.Clone(base)
			c.mutate(t, files)
			s, err := parse(files)
			require.NoError(t, err, "the broken copy should still parse: the check itself must object")
			err = c.check(s)
			require.Error(t, err, "the check passed on a broken tree")
			t.Log(err)
		})
	}
}
