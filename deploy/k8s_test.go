package deploy_test

// The Kubernetes manifests (deploy/kustomization.yaml over deploy/k8s)
// parsed with gopkg.in/yaml.v3 and checked for consistency: every file
// a kustomization names exists; every ConfigMap a pod mounts is generated
// from files that exist, with the keys it mounts; every image is either
// built by a Dockerfile here or pinned and the same as compose.yaml's;
// probes and services point at ports the containers declare, which are
// the ports the programs are told to listen on.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type kustomization struct {
	Resources          []string `yaml:"resources"`
	ConfigMapGenerator []struct {
		Name  string   `yaml:"name"`
		Files []string `yaml:"files"`
	} `yaml:"configMapGenerator"`
	Images []struct {
		Name string `yaml:"name"`
	} `yaml:"images"`
}

type k8sPort struct {
	Name          string `yaml:"name"`
	ContainerPort int    `yaml:"containerPort"`
	Port          int    `yaml:"port"`
	TargetPort    any    `yaml:"targetPort"`
}

type k8sProbe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
}

type k8sContainer struct {
	Name  string    `yaml:"name"`
	Image string    `yaml:"image"`
	Args  []string  `yaml:"args"`
	Ports []k8sPort `yaml:"ports"`
	Env   []struct {
		Name  string `yaml:"name"`
		Value string `yaml:"value"`
	} `yaml:"env"`
	VolumeMounts []struct {
		Name    string `yaml:"name"`
		SubPath string `yaml:"subPath"`
	} `yaml:"volumeMounts"`
	ReadinessProbe *k8sProbe `yaml:"readinessProbe"`
	LivenessProbe  *k8sProbe `yaml:"livenessProbe"`
	StartupProbe   *k8sProbe `yaml:"startupProbe"`
}

type k8sObject struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		Replicas    int            `yaml:"replicas"`
		ServiceName string         `yaml:"serviceName"`
		Selector    map[string]any `yaml:"selector"`
		Ports       []k8sPort      `yaml:"ports"`
		Template    *struct {
			Metadata struct {
				Labels map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
			Spec struct {
				Containers []k8sContainer `yaml:"containers"`
				Volumes    []struct {
					Name      string `yaml:"name"`
					ConfigMap *struct {
						Name string `yaml:"name"`
					} `yaml:"configMap"`
					Secret *struct {
						SecretName string `yaml:"secretName"`
						Items      []struct {
							Key string `yaml:"key"`
						} `yaml:"items"`
					} `yaml:"secret"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
		VolumeClaimTemplates []struct {
			Metadata struct {
				Name string `yaml:"name"`
			} `yaml:"metadata"`
		} `yaml:"volumeClaimTemplates"`
	} `yaml:"spec"`
}

func readKustomization(t *testing.T, dir string) kustomization {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k kustomization
	if err := yaml.Unmarshal(b, &k); err != nil {
		t.Fatalf("%s/kustomization.yaml: %v", dir, err)
	}
	return k
}

// Secrets the operator creates (deploy/kustomization.yaml says how), with
// the keys pods may read.
var operatorSecrets = map[string][]string{
	"sundflow-nats-route": {"password"},
	"sundflow-nats-keys":  {"ingest.nk", "projector.nk", "dashboard.nk"},
	"sundflow-attest":     {"attest.key"},
}

func TestKubernetes(t *testing.T) {
	top := readKustomization(t, ".")
	// Generated ConfigMaps and their keys.
	configMaps := map[string][]string{}
	for _, g := range top.ConfigMapGenerator {
		for _, f := range g.Files {
			key, path, ok := strings.Cut(f, "=")
			if !ok {
				key, path = filepath.Base(f), f
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("configMap %s: %v", g.Name, err)
			}
			configMaps[g.Name] = append(configMaps[g.Name], key)
		}
	}
	var objs []k8sObject
	for _, r := range top.Resources {
		if st, err := os.Stat(r); err != nil || !st.IsDir() {
			t.Fatalf("resource %s: want the k8s folder (%v)", r, err)
		}
		sub := readKustomization(t, r)
		for _, f := range sub.Resources {
			b, err := os.ReadFile(filepath.Join(r, f))
			if err != nil {
				t.Fatal(err)
			}
			dec := yaml.NewDecoder(bytes.NewReader(b))
			for {
				var o k8sObject
				err := dec.Decode(&o)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				if o.Kind == "" || o.Metadata.Name == "" {
					t.Errorf("%s: an object without kind or name", f)
				}
				objs = append(objs, o)
			}
		}
		for _, img := range sub.Images {
			if !usesImage(objs, img.Name) {
				t.Errorf("kustomization sets image %s, which no container uses", img.Name)
			}
		}
	}
	compose, _ := os.ReadFile("compose.yaml")

	workloads := map[string]k8sObject{}
	for _, o := range objs {
		if o.Kind != "Deployment" && o.Kind != "StatefulSet" {
			continue
		}
		workloads[o.Metadata.Name] = o
		t.Run(o.Kind+"/"+o.Metadata.Name, func(t *testing.T) {
			pod := o.Spec.Template.Spec
			vols := map[string]bool{}
			for _, v := range pod.Volumes {
				vols[v.Name] = true
				if v.ConfigMap != nil && configMaps[v.ConfigMap.Name] == nil {
					t.Errorf("volume %s: configMap %s is not generated", v.Name, v.ConfigMap.Name)
				}
				if v.Secret != nil {
					keys, ok := operatorSecrets[v.Secret.SecretName]
					if !ok {
						t.Errorf("volume %s: secret %s is not one the operator is told to create", v.Name, v.Secret.SecretName)
					}
					for _, it := range v.Secret.Items {
						if !slices.Contains(keys, it.Key) {
							t.Errorf("secret %s has no key %s", v.Secret.SecretName, it.Key)
						}
					}
				}
			}
			for _, c := range o.Spec.VolumeClaimTemplates {
				vols[c.Metadata.Name] = true
			}
			for _, c := range pod.Containers {
				checkImage(t, c.Image, compose)
				ports := map[string]bool{}
				for _, p := range c.Ports {
					ports[p.Name], ports[fmt.Sprint(p.ContainerPort)] = true, true
				}
				for _, m := range c.VolumeMounts {
					if !vols[m.Name] {
						t.Errorf("container %s mounts unknown volume %s", c.Name, m.Name)
					}
					if m.SubPath == "" {
						continue
					}
					for _, v := range pod.Volumes {
						if v.Name == m.Name && v.ConfigMap != nil && !slices.Contains(configMaps[v.ConfigMap.Name], m.SubPath) {
							t.Errorf("container %s mounts key %s of configMap %s, which has %v", c.Name, m.SubPath, v.ConfigMap.Name, configMaps[v.ConfigMap.Name])
						}
					}
				}
				if c.ReadinessProbe == nil || c.LivenessProbe == nil {
					t.Errorf("container %s lacks a readiness or liveness probe", c.Name)
				}
				for _, pr := range []*k8sProbe{c.ReadinessProbe, c.LivenessProbe, c.StartupProbe} {
					if pr != nil && (pr.HTTPGet == nil || !ports[fmt.Sprint(pr.HTTPGet.Port)]) {
						t.Errorf("container %s: a probe checks a port it does not declare", c.Name)
					}
				}
				for _, a := range c.Args {
					if m := regexp.MustCompile(`^--(listen|metrics-addr)=.*:(\d+)$`).FindStringSubmatch(a); m != nil && !ports[m[2]] {
						t.Errorf("container %s listens on %s but declares no such containerPort", c.Name, m[2])
					}
				}
				for _, e := range c.Env {
					for _, host := range regexp.MustCompile(`sundflow-nats-(\d)\.sundflow-nats`).FindAllStringSubmatch(e.Value, -1) {
						if n := host[1][0] - '0'; int(n) >= workloadReplicas(objs, "sundflow-nats") {
							t.Errorf("container %s: %s names a NATS pod that does not exist", c.Name, host[0])
						}
					}
				}
			}
		})
	}
	for _, o := range objs {
		if o.Kind != "Service" {
			continue
		}
		sel := fmt.Sprint(o.Spec.Selector["app.kubernetes.io/name"])
		w, ok := workloads[sel]
		if !ok {
			t.Errorf("service %s selects %s, no such workload", o.Metadata.Name, sel)
			continue
		}
		for _, p := range o.Spec.Ports {
			found := false
			for _, c := range w.Spec.Template.Spec.Containers {
				for _, cp := range c.Ports {
					if fmt.Sprint(p.TargetPort) == cp.Name || fmt.Sprint(p.TargetPort) == fmt.Sprint(cp.ContainerPort) {
						found = cp.ContainerPort == p.Port
					}
				}
			}
			if !found {
				t.Errorf("service %s port %d -> %v: no container port of %s (with the same number)", o.Metadata.Name, p.Port, p.TargetPort, sel)
			}
		}
	}
	if w, ok := workloads["sundflow-nats"]; !ok || w.Spec.Replicas != 3 || w.Spec.ServiceName != "sundflow-nats" {
		t.Error("want a StatefulSet sundflow-nats of 3 behind the headless service sundflow-nats")
	}
	t.Logf("%d objects, %d workloads, %d generated configMaps", len(objs), len(workloads), len(configMaps))
}

func workloadReplicas(objs []k8sObject, name string) int {
	for _, o := range objs {
		if o.Metadata.Name == name && o.Kind == "StatefulSet" {
			return o.Spec.Replicas
		}
	}
	return 0
}

func usesImage(objs []k8sObject, image string) bool {
	for _, o := range objs {
		if o.Spec.Template == nil {
			continue
		}
		for _, c := range o.Spec.Template.Spec.Containers {
			if c.Image == image || strings.HasPrefix(c.Image, image+":") {
				return true
			}
		}
	}
	return false
}

// checkImage: sundflow/<name> is built by deploy/docker/<name>.Dockerfile;
// any other image is pinned and is the one compose.yaml runs.
func checkImage(t *testing.T, image string, compose []byte) {
	t.Helper()
	if name, ok := strings.CutPrefix(image, "sundflow/"); ok {
		name, _, _ = strings.Cut(name, ":")
		if _, err := os.Stat(filepath.Join("docker", name+".Dockerfile")); err != nil {
			t.Errorf("image %s: no Dockerfile builds it: %v", image, err)
		}
		return
	}
	if !regexp.MustCompile(`^[a-z0-9./-]+:v?[0-9][0-9A-Za-z.-]*$`).MatchString(image) {
		t.Errorf("image %q: want a pinned version tag", image)
	}
	if !bytes.Contains(compose, []byte("image: "+image+"\n")) {
		t.Errorf("image %s differs from compose.yaml's", image)
	}
}
