using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Identity;
using OpsConsole.Core.Identity.ApiTokens;
using OpsConsole.Core.Keys;
using OpsConsole.Web.Hosting;

namespace OpsConsole.Benchmarks;

/// <summary>
/// Signing keys (issue 19). (1) The sign API over real HTTP (wrk, POST /api/v1/keys/bench/sign with a Signer token, ES256)
/// against signing the same claims in-process, side by side on the same machine: the library alone
/// (JsonWebTokenHandler.CreateToken with the ring's key) and the console's KeySigner (claims checked, times and jti added).
/// Goals: at least 5,000 signatures/s over HTTP, and at least 80 % of in-process. (2) The JWKS endpoint with wrk (goal:
/// 20,000 requests/s). The console runs in this process on a private embedded PostgreSQL; wrk is Debian's (installed
/// with apt-get when missing and running as root). Options: --seconds N (default 10), --connections N (default 32).
/// </summary>
public sealed class KeysHarness : IHarness
{
    private const string Ring = "bench";

    public string Name => "keys";

    public string Description => "sign API over HTTP (wrk) vs in-process ES256 signing, and JWKS requests/s: --seconds 10 --connections 32";

    public async Task<int> RunAsync(string[] args)
    {
        if (!System.Runtime.GCSettings.IsServerGC)
        {
            return await RerunWithServerGcAsync();
        }

        var seconds = HarnessArgs.Int(args, "--seconds", 10);
        var connections = HarnessArgs.Int(args, "--connections", 32);
        Console.WriteLine(BackupHarness.Machine());
        var wrk = await EnsureWrkAsync();
        if (wrk is null)
        {
            return 2;
        }

        await using var cluster = await BenchDatabase.StartAsync();
        var dataDirectory = Directory.CreateTempSubdirectory("opsconsole-keys-");
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Console"] = cluster.Connections.Runtime,
            ["ConnectionStrings:ConsoleOwner"] = cluster.Connections.Owner,
            ["Storage:DataDirectory"] = dataDirectory.FullName,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:Console:FormatterName"] = "simple",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
            ["Logging:LogLevel:OpsConsole.Core.Identity.BootstrapAdminSeeder"] = "Error",
            ["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Error",
            ["Keys:Rings:bench:Algorithm"] = "ES256",
            ["Keys:Rings:bench:MaxTokenLifetime"] = "1h",
        };
        await using var app = await ConsoleApp.CreateAsync(["--urls", "http://127.0.0.1:0"], builder => builder.Configuration.AddInMemoryCollection(settings));
        await app.App.StartAsync();
        try
        {
            var services = app.App.Services;
            var baseAddress = new Uri(services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
            var token = await SignerTokenAsync(services);
            var jwks = services.GetRequiredService<JwksCache>();
            var until = Stopwatch.StartNew();
            while (jwks.SigningKid(Ring, DateTimeOffset.UtcNow) is null)
            {
                if (until.Elapsed > TimeSpan.FromSeconds(30))
                {
                    Console.WriteLine("the ring's first key did not appear within 30 s");
                    return 1;
                }

                await Task.Delay(50);
            }

            var kid = jwks.SigningKid(Ring, DateTimeOffset.UtcNow)!;
            Console.WriteLine($"console in-process at {baseAddress}, ring {Ring} (ES256), signing kid {KeyKinds.Short(kid)}; {Environment.ProcessorCount} cores; {seconds} s per run");

            const string Claims = """{"iss":"sampleshop","aud":"sampleshop-api","sub":"42","scope":"orders:read"}""";
            var claims = JsonDocument.Parse(Claims).RootElement;

            // In-process, same library, same key: the ceiling for signing alone.
            SigningKey key;
            await using (var scope = services.CreateAsyncScope())
            {
                key = await scope.ServiceProvider.GetRequiredService<KeyRingStore>().OpenAsync(Ring, kid);
            }

            var handler = new JsonWebTokenHandler();
            var payload = """{"iss":"sampleshop","aud":"sampleshop-api","sub":"42","scope":"orders:read","iat":1765000000,"nbf":1765000000,"exp":1765003600,"jti":"0193f0c0a1b27c3d8e9f0a1b2c3d4e5f"}""";
            var library = Measure(seconds, () => handler.CreateToken(payload, key.Credentials));
            var signer = services.GetRequiredService<KeySigner>();
            var console = Measure(seconds, () => signer.SignAsync(Ring, claims, null, "bench").GetAwaiter().GetResult());
            // As many signers at once as wrk has connections: what the thread pool does under load, on the same 2 cores.
            var crowded = Measure(seconds, () => signer.SignAsync(Ring, claims, null, "bench").GetAwaiter().GetResult(), connections);

            // Over HTTP: wrk on the same 2 cores, as a real client on the machine would be.
            var script = Path.Combine(dataDirectory.FullName, "sign.lua");
            await File.WriteAllTextAsync(script, $$"""
                wrk.method = "POST"
                wrk.body = '{"claims":{{Claims}},"lifetime":"15m"}'
                wrk.headers["Content-Type"] = "application/json"
                wrk.headers["Authorization"] = "Bearer {{token}}"
                """);
            var http = await WrkAsync(wrk, new Uri(baseAddress, $"/api/v1/keys/{Ring}/sign"), seconds, connections, script);
            var jwksRun = await WrkAsync(wrk, new Uri(baseAddress, $"/keys/{Ring}/jwks.json"), seconds, Math.Max(connections, 64), null);

            // Where an authenticated call's time goes: the same pipeline with no work (the token alone), and with no token.
            var meScript = Path.Combine(dataDirectory.FullName, "me.lua");
            await File.WriteAllTextAsync(meScript, $$"""wrk.headers["Authorization"] = "Bearer {{token}}" """);
            var me = await WrkAsync(wrk, new Uri(baseAddress, "/api/v1/me"), seconds, connections, meScript);
            // The sign call up to the signing: the same body with a reserved claim is refused (422) just before it signs.
            var refusedScript = Path.Combine(dataDirectory.FullName, "refused.lua");
            await File.WriteAllTextAsync(refusedScript, (await File.ReadAllTextAsync(script)).Replace("\"scope\"", "\"exp\":1,\"scope\"", StringComparison.Ordinal));
            var refused = await WrkAsync(wrk, new Uri(baseAddress, $"/api/v1/keys/{Ring}/sign"), seconds, connections, refusedScript);
            var live = await WrkAsync(wrk, new Uri(baseAddress, "/health/live"), seconds, connections, null);

            Console.WriteLine();
            Console.WriteLine($"{"ES256 signatures",-64} {"per s",10}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"in-process, JsonWebTokenHandler.CreateToken (" + Environment.ProcessorCount + " threads)",-64} {library,10:N0}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"in-process, KeySigner.SignAsync (" + Environment.ProcessorCount + " threads)",-64} {console,10:N0}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"in-process, KeySigner.SignAsync (" + connections + " threads)",-64} {crowded,10:N0}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"over HTTP, POST /api/v1/keys/bench/sign (wrk, " + connections + " connections)",-64} {http.RequestsPerSecond,10:N0}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  latency p50 {http.P50}, p99 {http.P99}; non-2xx {http.Errors}; {http.Cost}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"JWKS, GET /keys/bench/jwks.json (wrk, " + Math.Max(connections, 64) + " connections)",-64} {jwksRun.RequestsPerSecond,10:N0}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  latency p50 {jwksRun.P50}, p99 {jwksRun.P99}; non-2xx {jwksRun.Errors}; {jwksRun.Cost}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"for scale: GET /api/v1/me with the Signer token (wrk, " + connections + ")",-64} {me.RequestsPerSecond,10:N0}"));
            Console.WriteLine($"  {me.Cost}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"for scale: the sign call refused for a reserved claim (422, no signing)",-64} {refused.RequestsPerSecond,10:N0}"));
            Console.WriteLine($"  {refused.Cost}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"for scale: GET /health/live, anonymous (wrk, " + connections + ")",-64} {live.RequestsPerSecond,10:N0}"));
            Console.WriteLine($"  {live.Cost}");
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"goal: sign API >= 5,000/s over HTTP: {http.RequestsPerSecond:N0}/s ({(http.RequestsPerSecond >= 5000 ? "met" : "NOT met")}); >= 80 % of in-process: {100 * http.RequestsPerSecond / library:0.0} % of the library alone, {100 * http.RequestsPerSecond / console:0.0} % of KeySigner"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"goal: JWKS >= 20,000 requests/s: {jwksRun.RequestsPerSecond:N0}/s ({(jwksRun.RequestsPerSecond >= 20000 ? "met" : "NOT met")})"));
            Console.WriteLine($"load average at the end: {BackupHarness.LoadAverage()}");
            key.Dispose();
            return http.Errors == 0 && jwksRun.Errors == 0 ? 0 : 1;
        }
        finally
        {
            await app.App.StopAsync();
            dataDirectory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The console runs with Server GC (the Web SDK's default), this console app with workstation GC: run again as the
    /// console would, or the figures measure a different collector (the same arguments, DOTNET_gcServer=1).
    /// </summary>
    private static async Task<int> RerunWithServerGcAsync()
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false, Environment = { ["DOTNET_gcServer"] = "1" } };
        var arguments = Environment.GetCommandLineArgs();
        foreach (var argument in Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet" ? arguments : arguments[1..])
        {
            info.ArgumentList.Add(argument);
        }

        using var child = Process.Start(info)!;
        await child.WaitForExitAsync();
        return child.ExitCode;
    }

    /// <summary>Calls per second of <paramref name="work"/> on one thread per core for <paramref name="seconds"/> (after a 1 s warm-up).</summary>
    private static double Measure(int seconds, Action work, int? threads = null)
    {
        var parallelism = threads ?? Environment.ProcessorCount;
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed < TimeSpan.FromSeconds(1))
        {
            work();
        }

        var count = 0L;
        var clock = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(seconds);
        var workers = Enumerable.Range(0, parallelism).Select(_ => new Thread(() =>
        {
            var mine = 0L;
            while (clock.Elapsed < deadline)
            {
                work();
                mine++;
            }

            Interlocked.Add(ref count, mine);
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        return count / clock.Elapsed.TotalSeconds;
    }

    /// <summary>wrk's figures, and this process's (the console's) CPU per request and GC pause share during the run.</summary>
    private sealed record WrkResult(double RequestsPerSecond, string P50, string P99, long Errors, double CpuMicrosPerRequest, double GcPausePercent, int Gen2)
    {
        public string Cost => string.Create(CultureInfo.InvariantCulture,
            $"console CPU {CpuMicrosPerRequest:N0} us/request, GC pauses {GcPausePercent:0.0} % of the run, {Gen2} gen2 GCs");
    }

    private static async Task<WrkResult> WrkAsync(string wrk, Uri url, int seconds, int connections, string? script)
    {
        // A warm-up run first, as the in-process loops have: the first seconds of load on a path spend a fifth of the CPU
        // in the tiered JIT (perf record: ".NET Tiered Com" in libclrjit), which made the first measured run bimodal.
        await RunWrkAsync(wrk, url, 3, connections, script);
        return await RunWrkAsync(wrk, url, seconds, connections, script);
    }

    private static async Task<WrkResult> RunWrkAsync(string wrk, Uri url, int seconds, int connections, string? script)
    {
        var self = Process.GetCurrentProcess();
        var cpuBefore = self.TotalProcessorTime;
        var pauseBefore = GC.GetTotalPauseDuration();
        var gen2Before = GC.CollectionCount(2);
        var wall = Stopwatch.StartNew();
        var info = new ProcessStartInfo(wrk) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-t", "2", "-c", connections.ToString(CultureInfo.InvariantCulture), "-d", $"{seconds}s", "--latency" })
        {
            info.ArgumentList.Add(arg);
        }

        if (script is not null)
        {
            info.ArgumentList.Add("-s");
            info.ArgumentList.Add(script);
        }

        info.ArgumentList.Add(url.ToString());
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var lines = output.Split('\n', StringSplitOptions.TrimEntries);
        var rps = double.Parse(lines.First(l => l.StartsWith("Requests/sec:", StringComparison.Ordinal)).Split(':')[1].Trim(), CultureInfo.InvariantCulture);
        string Latency(string percentile) => lines.FirstOrDefault(l => l.StartsWith(percentile, StringComparison.Ordinal))?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1] ?? "?";
        var errors = lines.FirstOrDefault(l => l.StartsWith("Non-2xx", StringComparison.Ordinal)) is { } bad
            ? long.Parse(bad.Split(':')[1].Trim(), CultureInfo.InvariantCulture)
            : 0;
        self.Refresh();
        var requests = Math.Max(1, rps * wall.Elapsed.TotalSeconds);
        return new WrkResult(rps, Latency("50%"), Latency("99%"), errors,
            (self.TotalProcessorTime - cpuBefore).TotalMicroseconds / requests,
            100 * (GC.GetTotalPauseDuration() - pauseBefore) / wall.Elapsed,
            GC.CollectionCount(2) - gen2Before);
    }

    /// <summary>A Signer account and its API token, as a service would be set up.</summary>
    private static async Task<string> SignerTokenAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AccountService>().CreateUserAuditedAsync(AuditActors.System, "bench-signer", ConsoleRoles.Signer);
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>().FindByNameAsync("bench-signer");
        return (await scope.ServiceProvider.GetRequiredService<ApiTokenService>().CreateAsync(user!, "bench", TimeSpan.FromDays(1), [ConsoleRoles.Signer])).Secret;
    }

    /// <summary>Debian's wrk: on PATH, or installed with apt-get when this runs as root; null (and why) otherwise.</summary>
    internal static async Task<string?> EnsureWrkAsync()
    {
        if (File.Exists("/usr/bin/wrk"))
        {
            return "/usr/bin/wrk";
        }

        if (Environment.UserName == "root" && File.Exists("/usr/bin/apt-get"))
        {
            Console.WriteLine("installing wrk with apt-get");
            using var install = Process.Start(new ProcessStartInfo("/usr/bin/apt-get", ["install", "-y", "-qq", "--no-install-recommends", "wrk"])
            {
                Environment = { ["DEBIAN_FRONTEND"] = "noninteractive" },
            })!;
            await install.WaitForExitAsync();
            if (install.ExitCode == 0 && File.Exists("/usr/bin/wrk"))
            {
                return "/usr/bin/wrk";
            }
        }

        Console.WriteLine("wrk is needed: apt-get install wrk");
        return null;
    }
}
