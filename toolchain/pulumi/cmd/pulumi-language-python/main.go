// Command pulumi-language-python is netkit's own build of a Pulumi language
// host for Python programs and Python policy packs.
//
// Upstream's host lives in a Go module (github.com/pulumi/pulumi/sdk/python/
// cmd/pulumi-language-python/v3) that the Go module proxy reachable here does
// not serve, so this is a small, independent implementation of the same gRPC
// contract (pulumirpc.LanguageRuntimeServer) on top of the public packages of
// github.com/pulumi/pulumi/sdk/v3. It covers what `pulumi preview/up/destroy`,
// `pulumi install`, `pulumi about` and `--policy-pack` need: running programs
// through `pulumi-language-python-exec` (shipped in the sdk module and copied
// next to this binary), reporting the provider plugins the program's Python
// packages need, installing dependencies and running Python plugins (policy
// packs). Code generation (`pulumi convert`, `pulumi package gen-sdk`) is not
// implemented and answers Unimplemented.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
)

const (
	execScript = "pulumi-language-python-exec"
	// Exit code pulumi-language-python-exec uses after it already printed an
	// actionable error: the engine should stop without adding its own.
	exitCodeUserActionable = 32
)

func main() {
	tracing := flag.String("tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint")
	executor := flag.String("use-executor", "", "Use this program instead of the "+execScript+" next to the binary")
	// Accepted for compatibility with older engines; runtime options now arrive in each request.
	flag.String("virtualenv", "", "[obsolete]")
	flag.String("root", "", "[obsolete]")
	flag.String("typechecker", "", "[obsolete]")
	flag.String("toolchain", "pip", "[obsolete]")
	flag.Parse()

	logging.InitLogging(false, 0, false)
	cmdutil.InitTracing("pulumi-language-python", "pulumi-language-python", *tracing)

	exe := *executor
	if exe == "" {
		self, err := os.Executable()
		if err != nil {
			cmdutil.Exit(fmt.Errorf("locating this executable: %w", err))
		}
		exe = filepath.Join(filepath.Dir(self), execScript)
		if _, err := os.Stat(exe); err != nil {
			cmdutil.Exit(fmt.Errorf("missing executor %s: %w", exe, err))
		}
	}

	var engineAddress string
	if args := flag.Args(); len(args) > 0 {
		engineAddress = args[0]
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	cancel := make(chan bool)
	go func() {
		<-ctx.Done()
		stop()
		close(cancel)
	}()
	if engineAddress != "" {
		// Exit when the engine goes away.
		if err := rpcutil.Healthcheck(ctx, engineAddress, 5*time.Minute, stop); err != nil {
			cmdutil.Exit(fmt.Errorf("starting engine health check: %w", err))
		}
	}

	h := &host{exec: exe, engineAddress: engineAddress, tracing: *tracing}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("starting the language host gRPC server: %w", err))
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host stopped serving: %w", err))
	}
}

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	exec    string
	tracing string

	mu            sync.Mutex
	engineAddress string
}

func (h *host) engine() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engineAddress
}

// options turns the project's `runtime.options` into toolchain options.
func options(info *pulumirpc.ProgramInfo) (toolchain.PythonOptions, error) {
	opts := toolchain.PythonOptions{Root: info.GetRootDirectory(), ProgramDir: info.GetProgramDirectory()}
	raw := info.GetOptions().AsMap()
	str := func(key string) (string, error) {
		v, ok := raw[key]
		if !ok {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("runtime option %q must be a string", key)
		}
		return s, nil
	}
	var err error
	if opts.Virtualenv, err = str("virtualenv"); err != nil {
		return opts, err
	}
	tc, err := str("toolchain")
	if err != nil {
		return opts, err
	}
	switch tc {
	case "", "pip":
		opts.Toolchain = toolchain.Pip
	case "poetry":
		opts.Toolchain = toolchain.Poetry
	case "uv":
		opts.Toolchain = toolchain.Uv
	default:
		return opts, fmt.Errorf("unsupported toolchain option: %s", tc)
	}
	checker, err := str("typechecker")
	if err != nil {
		return opts, err
	}
	switch checker {
	case "":
	case "mypy":
		opts.Typechecker = toolchain.TypeCheckerMypy
	case "pyright":
		opts.Typechecker = toolchain.TypeCheckerPyright
	default:
		return opts, fmt.Errorf("unsupported typechecker option: %s", checker)
	}
	return opts, nil
}

// pluginOptions is options() for plugins (policy packs): with pip and no
// `virtualenv` option, a `venv` folder in the plugin is used when present,
// else the python found on PATH.
func pluginOptions(info *pulumirpc.ProgramInfo) (toolchain.PythonOptions, error) {
	opts, err := options(info)
	if err == nil && opts.Toolchain == toolchain.Pip && opts.Virtualenv == "" {
		if st, statErr := os.Stat(filepath.Join(opts.Root, "venv")); statErr == nil && st.IsDir() {
			opts.Virtualenv = "venv"
		}
	}
	return opts, err
}

// engineLog writes to the engine's log as ephemeral messages (shown while an
// operation runs, e.g. a virtualenv being created).
type engineLog struct {
	ctx      context.Context
	client   pulumirpc.EngineClient
	severity pulumirpc.LogSeverity
	stream   int32
}

func (w *engineLog) Write(p []byte) (int, error) {
	_, err := w.client.Log(w.ctx, &pulumirpc.LogRequest{
		Message:   strings.ToValidUTF8(string(p), "\uFFFD"),
		Ephemeral: true,
		StreamId:  w.stream,
		Severity:  w.severity,
	})
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

func (h *host) engineWriters(ctx context.Context) (io.Writer, io.Writer, func()) {
	addr := h.engine()
	if addr == "" {
		return os.Stderr, os.Stderr, func() {}
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		rpcutil.GrpcChannelOptions())
	if err != nil {
		return os.Stderr, os.Stderr, func() {}
	}
	client := pulumirpc.NewEngineClient(conn)
	stream := int32(time.Now().UnixNano() & 0x7fffffff)
	info := &engineLog{ctx, client, pulumirpc.LogSeverity_INFO, stream}
	errw := &engineLog{ctx, client, pulumirpc.LogSeverity_ERROR, stream}
	return info, errw, func() { _ = conn.Close() }
}

func (h *host) Handshake(ctx context.Context,
	req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if addr := req.GetEngineAddress(); addr != "" {
		h.mu.Lock()
		h.engineAddress = addr
		h.mu.Unlock()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// pythonDist is one installed distribution as reported by listScript.
type pythonDist struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Plugin  string `json:"plugin"` // path of its top-level pulumi-plugin.json, if any
}

// listScript prints the installed distributions and the pulumi-plugin.json
// each one ships in a top-level package folder.
const listScript = `
import json, importlib.metadata as md
out = []
for d in md.distributions():
    name = d.metadata["Name"]
    if not name:
        continue
    plugin = None
    for f in d.files or []:
        if f.name == "pulumi-plugin.json" and len(f.parts) == 2:
            plugin = str(d.locate_file(f))
            break
    out.append({"name": name, "version": d.version, "plugin": plugin or ""})
print(json.dumps(out))
`

// noPlugin lists Pulumi Python packages that never have a resource plugin.
var noPlugin = map[string]bool{"pulumi": true, "pulumi-policy": true, "pulumi-esc-sdk": true}

func normalize(name string) string {
	return strings.ToLower(strings.NewReplacer("_", "-", ".", "-").Replace(name))
}

func (h *host) GetRequiredPackages(ctx context.Context,
	req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	opts, err := options(req.GetInfo())
	if err != nil {
		return nil, err
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	stdout, stderr, done := h.engineWriters(ctx)
	defer done()
	if err := tc.EnsureVenv(ctx, req.GetInfo().GetProgramDirectory(), false, true, stdout, stderr); err != nil {
		return nil, err
	}
	cmd, err := tc.Command(ctx, "-c", listScript)
	if err != nil {
		return nil, err
	}
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("listing installed Python packages: %w", err)
	}
	var dists []pythonDist
	if err := json.Unmarshal(out, &dists); err != nil {
		return nil, fmt.Errorf("parsing the installed Python packages: %w", err)
	}
	var pkgs []*pulumirpc.PackageDependency
	for _, d := range dists {
		dep, err := packageDependency(d)
		if err != nil {
			return nil, err
		}
		if dep != nil {
			pkgs = append(pkgs, dep)
		}
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: pkgs}, nil
}

// packageDependency maps one Python distribution to the resource plugin it
// needs, or nil.
func packageDependency(d pythonDist) (*pulumirpc.PackageDependency, error) {
	name := normalize(d.Name)
	if noPlugin[name] {
		return nil, nil
	}
	dep := &pulumirpc.PackageDependency{Kind: "resource"}
	if d.Plugin != "" {
		meta, err := plugin.LoadPulumiPluginJSON(d.Plugin)
		if err != nil && !os.IsNotExist(err) {
			return nil, fmt.Errorf("reading %s: %w", d.Plugin, err)
		}
		if meta != nil {
			if !meta.Resource {
				return nil, nil
			}
			dep.Name, dep.Version, dep.Server = meta.Name, meta.Version, meta.Server
			if p := meta.Parameterization; p != nil {
				dep.Parameterization = &pulumirpc.PackageParameterization{
					Name: p.Name, Version: p.Version, Value: p.Value,
				}
			}
		}
	} else if !strings.HasPrefix(name, "pulumi-") {
		return nil, nil
	}
	if dep.Name == "" {
		dep.Name = strings.TrimPrefix(name, "pulumi-")
	}
	if dep.Version == "" {
		v, ok := pep440ToSemver(d.Version)
		if !ok {
			logging.V(5).Infof("no plugin version for %s %s", d.Name, d.Version)
			return nil, nil
		}
		dep.Version = v
	}
	if !strings.HasPrefix(dep.Version, "v") {
		dep.Version = "v" + dep.Version
	}
	return dep, nil
}

// pep440ToSemver converts the release versions Pulumi packages use
// (N.N.N, optionally aN/bN/rcN, .postN, .devN) to a plugin version.
func pep440ToSemver(v string) (string, bool) {
	digits := func(s string) (string, string) {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return s[:i], s[i:]
	}
	var parts []string
	rest := v
	for {
		n, r := digits(rest)
		if n == "" {
			return "", false
		}
		parts = append(parts, n)
		rest = r
		if !strings.HasPrefix(rest, ".") {
			break
		}
		if next, _ := digits(rest[1:]); next == "" {
			break // ".post" / ".dev"
		}
		rest = rest[1:]
	}
	for len(parts) < 3 {
		parts = append(parts, "0")
	}
	out := strings.Join(parts, ".")
	for _, pre := range []struct{ py, sem string }{{"rc", "-rc."}, {"a", "-alpha."}, {"b", "-beta."}} {
		if strings.HasPrefix(rest, pre.py) {
			n, r := digits(rest[len(pre.py):])
			out += pre.sem + n
			rest = r
			break
		}
	}
	build := ""
	if strings.HasPrefix(rest, ".post") {
		n, r := digits(rest[5:])
		build += "post" + n
		rest = r
	}
	if strings.HasPrefix(rest, ".dev") {
		n, r := digits(rest[4:])
		build += "dev" + n
		rest = r
	}
	if rest != "" {
		return "", false
	}
	if build != "" {
		out += "+" + build
	}
	return out, true
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	if req.GetAttachDebugger() {
		return &pulumirpc.RunResponse{Error: "this language host build does not support attaching a debugger"}, nil
	}
	opts, err := options(req.GetInfo())
	if err != nil {
		return nil, err
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return nil, err
	}

	if err := h.typecheck(ctx, tc, opts, req.GetInfo().GetProgramDirectory()); err != nil {
		return nil, err
	}

	args := []string{h.exec}
	flagArg := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	flagArg("monitor", req.GetMonitorAddress())
	flagArg("engine", h.engine())
	flagArg("project", req.GetProject())
	flagArg("root_directory", req.GetInfo().GetRootDirectory())
	flagArg("stack", req.GetStack())
	flagArg("pwd", req.GetPwd())
	flagArg("dry_run", strconv.FormatBool(req.GetDryRun()))
	flagArg("parallel", strconv.Itoa(int(req.GetParallel())))
	flagArg("tracing", h.tracing)
	flagArg("organization", req.GetOrganization())
	entry := req.GetInfo().GetEntryPoint()
	if entry == "" {
		entry = "."
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	configMap := req.GetConfig()
	if configMap == nil {
		configMap = map[string]string{}
	}
	config, err := json.Marshal(configMap)
	if err != nil {
		return nil, fmt.Errorf("serializing config: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	keys, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("serializing secret config keys: %w", err)
	}
	cmd.Env = append(env, "PULUMI_CONFIG="+string(config), "PULUMI_CONFIG_SECRET_KEYS="+string(keys))
	logging.V(5).Infof("language host running %s", cmd.String())

	if err := cmd.Run(); err != nil {
		_ = os.Stdout.Sync()
		_ = os.Stderr.Sync()
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run the Python program: %v", err)}, nil
		}
		status, ok := exitErr.Sys().(syscall.WaitStatus)
		switch {
		case ok && status.ExitStatus() == exitCodeUserActionable:
			return &pulumirpc.RunResponse{Bail: true}, nil
		case ok && status.ExitStatus() > 0:
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("program exited with non-zero exit code: %d", status.ExitStatus()),
			}, nil
		default:
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("program exited unexpectedly: %v", exitErr)}, nil
		}
	}
	return &pulumirpc.RunResponse{}, nil
}

// typecheck runs mypy or pyright first when the project asks for it.
func (h *host) typecheck(ctx context.Context, tc toolchain.Toolchain, opts toolchain.PythonOptions,
	programDir string,
) error {
	var module string
	switch opts.Typechecker {
	case toolchain.TypeCheckerMypy:
		module = "mypy"
	case toolchain.TypeCheckerPyright:
		module = "pyright"
	default:
		return nil
	}
	args := []string{"-m", module}
	if module == "mypy" {
		if venv, err := tc.VirtualEnvPath(ctx); err == nil && venv != "" {
			if rel, err := filepath.Rel(programDir, venv); err == nil {
				args = append(args, "--exclude", rel)
			}
		}
	}
	args = append(args, programDir)
	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return err
	}
	cmd.Dir, cmd.Stdout, cmd.Stderr = programDir, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s failed: %w", module, err)
	}
	return nil
}

func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	var opts toolchain.PythonOptions
	var err error
	if req.GetIsPlugin() {
		opts, err = pluginOptions(req.GetInfo())
		if err == nil && opts.Toolchain == toolchain.Pip && opts.Virtualenv == "" {
			opts.Virtualenv = "venv" // installing a plugin creates its own venv
		}
	} else {
		opts, err = options(req.GetInfo())
	}
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Installing dependencies...")
	if err := tc.InstallDependencies(server.Context(), req.GetInfo().GetProgramDirectory(),
		req.GetUseLanguageVersionTools(), true, stdout, stderr); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Finished installing dependencies")
	return closer.Close()
}

func (h *host) RuntimeOptionsPrompts(context.Context,
	*pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	opts := toolchain.PythonOptions{Toolchain: toolchain.Pip}
	if req.GetInfo() != nil {
		var err error
		if opts, err = options(req.GetInfo()); err != nil {
			return nil, err
		}
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	info, err := tc.About(ctx)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{Executable: info.PythonExecutable, Version: info.PythonVersion.String()}, nil
}

func (h *host) GetProgramDependencies(ctx context.Context,
	req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	opts, err := options(req.GetInfo())
	if err != nil {
		return nil, err
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	deps, err := tc.ListPackages(ctx, req.GetTransitiveDependencies())
	if err != nil {
		return nil, fmt.Errorf("listing Python dependencies: %w", err)
	}
	resp := &pulumirpc.GetProgramDependenciesResponse{}
	for _, d := range deps {
		resp.Dependencies = append(resp.Dependencies, &pulumirpc.DependencyInfo{Name: d.Name, Version: d.Version})
	}
	return resp, nil
}

// RunPlugin runs a Python plugin, e.g. a policy pack: `python <dir> <args>`
// (its __main__.py), or `python -m pulumi.run.plugin <name> <args>` for a
// packaged plugin without __main__.py.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	ctx := server.Context()
	opts, err := pluginOptions(req.GetInfo())
	if err != nil {
		return err
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return err
	}
	var cmd *exec.Cmd
	if _, statErr := os.Stat(filepath.Join(opts.Root, "__main__.py")); statErr == nil {
		cmd, err = tc.Command(ctx, append([]string{req.GetInfo().GetProgramDirectory()}, req.GetArgs()...)...)
	} else {
		buildable, berr := toolchain.IsBuildablePackage(opts.Root)
		if berr != nil || !buildable {
			return fmt.Errorf("plugin in %s has neither __main__.py nor a buildable pyproject.toml", opts.Root)
		}
		pyproject, perr := toolchain.LoadPyproject(opts.Root)
		if perr != nil {
			return fmt.Errorf("loading pyproject.toml: %w", perr)
		}
		cmd, err = tc.ModuleCommand(ctx, "pulumi.run.plugin",
			append([]string{pyproject.Project.Name}, req.GetArgs()...)...)
	}
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()
	cmd.Dir = req.GetPwd()
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = append(env, req.GetEnv()...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	logging.V(5).Infof("language host running plugin %s", cmd.String())
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if status, ok := exitErr.Sys().(syscall.WaitStatus); ok {
				return server.Send(&pulumirpc.RunPluginResponse{
					Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(status.ExitStatus())}, //nolint:gosec
				})
			}
		}
		return fmt.Errorf("running the Python plugin: %w", err)
	}
	return closer.Close()
}
