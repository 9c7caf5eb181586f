using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Claims;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpsConsole.Core.Access;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Data;
using OpsConsole.Core.Identity;
using OpsConsole.Core.Operations;
using OpsConsole.Web.Hosting;

namespace OpsConsole.Benchmarks;

/// <summary>
/// The Databases page's reads at scale (issue 16, goal: its first page in under 200 ms on the server): the real console
/// host in-process with N managed databases (all pointing at one real database on the bench cluster) and an inventory
/// of M backups spread over them (Zipf-like: db00 has the most) and over a year, some unverified, some deleted by
/// retention, one finished operation per backup plus failed runs, and weekly drills on half the databases. Times, as a
/// Viewer, each call in its own DI scope: <see cref="BackupService.ListDatabasesAsync"/> and the first page of 25 of the
/// largest database's inventory; then, if the build has a page at /databases, its server-side prerender for a signed-in
/// cookie. Options: --databases N (default 50), --backups N (default 10,000), --iterations N (default 200).
/// </summary>
public sealed partial class DatabasesHarness : IHarness
{
    private const string SharedDatabase = "benchmanaged";
    private const int PageSize = 25;

    public string Name => "databases";

    public string Description => "Databases page reads with many managed databases and backups, p50/p95/p99: --databases 50 --backups 10000 --iterations 200";

    public async Task<int> RunAsync(string[] args)
    {
        var databaseCount = HarnessArgs.Int(args, "--databases", 50);
        var backupCount = HarnessArgs.Int(args, "--backups", 10_000);
        var iterations = HarnessArgs.Int(args, "--iterations", 200);

        await using var cluster = await BenchDatabase.StartAsync();
        await ExecuteAsync(cluster.Connections.Owner, $"CREATE DATABASE {SharedDatabase}");
        var managed = new NpgsqlConnectionStringBuilder(cluster.Connections.Owner) { Database = SharedDatabase }.ConnectionString;
        var names = Enumerable.Range(0, databaseCount).Select(i => $"db{i:00}").ToList();
        var dataDirectory = Directory.CreateTempSubdirectory("opsconsole-databases-");
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Console"] = cluster.Connections.Runtime,
            ["ConnectionStrings:ConsoleOwner"] = cluster.Connections.Owner,
            ["Storage:DataDirectory"] = dataDirectory.FullName,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:Console:FormatterName"] = "simple",
            // Throwaway instance: its first-admin password and unencrypted key ring are no news.
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
            ["Logging:LogLevel:OpsConsole.Core.Identity.BootstrapAdminSeeder"] = "Error",
            ["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Error",
            ["Backups:CatchUp"] = "false",
            ["Backups:DefaultRules"] = "false",
        };
        for (var i = 0; i < names.Count; i++)
        {
            settings[$"ManagedDatabases:{names[i]}:ConnectionString"] = managed;
            // January 1st: no backup or drill of the bench database starts during the measurement.
            settings[$"ManagedDatabases:{names[i]}:Schedule"] = "0 3 1 1 *";
            if (i % 2 == 0)
            {
                settings[$"ManagedDatabases:{names[i]}:DrillSchedule"] = "0 5 1 1 *";
            }
        }

        var start = Stopwatch.StartNew();
        await using var app = await ConsoleApp.CreateAsync(["--urls", "http://127.0.0.1:0"], builder => builder.Configuration.AddInMemoryCollection(settings));
        await app.App.StartAsync();
        var baseAddress = new Uri(app.App.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
        Console.WriteLine($"console host started in-process with {databaseCount} managed databases in {start.Elapsed.TotalSeconds:0.0} s ({baseAddress})");

        try
        {
            var seed = Stopwatch.StartNew();
            var seeded = await SeedAsync(app.App.Services, names, backupCount);
            await ExecuteAsync(cluster.Connections.Owner, "ANALYZE console.backups; ANALYZE console.backup_drills; ANALYZE console.operations");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"inventory: {seeded.Backups:N0} backups ({seeded.Deleted:N0} deleted, {seeded.Unverified:N0} unverified), {seeded.Drills:N0} drills, {seeded.Operations:N0} finished operations; largest {seeded.Largest} ({seeded.LargestKept:N0} kept); seeded and analyzed in {seed.Elapsed.TotalSeconds:0.0} s"));

            var viewer = new ClaimsPrincipal(new ClaimsIdentity(
                [new Claim(ClaimTypes.Name, "bench-viewer"), new Claim(ClaimTypes.NameIdentifier, Guid.NewGuid().ToString()), new Claim(ClaimTypes.Role, ConsoleRoles.Viewer)],
                "bench"));
            var listed = 0;
            List<double> databases;
            var statements = new StatementTimes();
            using (DiagnosticListener.AllListeners.Subscribe(statements))
            {
                databases = await MeasureAsync(app.App.Services, iterations, async service => listed = (await service.ListDatabasesAsync(viewer)).Count, statements);
            }

            var pageItems = 0;
            var inventory = await MeasureAsync(app.App.Services, iterations, async service => pageItems = (await service.ListBackupsAsync(viewer, seeded.Largest, 0, PageSize)).Items.Count);

            Console.WriteLine();
            Console.WriteLine($"{"call (Viewer, own DI scope)",-48} {"p50 ms",8} {"p95 ms",8} {"p99 ms",8} {"max ms",8} {"runs",5}");
            Print($"ListDatabasesAsync ({listed} databases)", databases);
            Print($"ListBackupsAsync({seeded.Largest}, first {PageSize}; {pageItems} rows)", inventory);
            Console.WriteLine();
            Console.WriteLine("ListDatabasesAsync's SQL as EF Core timed each command (median ms, max ms, times run; background services' statements on these tables included):");
            foreach (var (statement, times) in statements.Measured())
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {Percentile(times, 0.50),7:0.00} {times[^1],7:0.00} {times.Count,5}  {statement}"));
            }

            var page = await MeasurePageAsync(app.App.Services, baseAddress, names, iterations);
            if (page is { } timings)
            {
                Print("GET /databases (prerender, signed-in cookie)", timings);
                Console.WriteLine();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"goal: the Databases page's first page < 200 ms on the server: GET /databases p95 {Percentile(timings, 0.95):0.0} ms, p99 {Percentile(timings, 0.99):0.0} ms"));
            }
            else
            {
                Console.WriteLine();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"goal: the Databases page's first page < 200 ms on the server: its data, ListDatabasesAsync, p95 {Percentile(databases, 0.95):0.0} ms, p99 {Percentile(databases, 0.99):0.0} ms (page not measured)"));
            }
        }
        finally
        {
            await app.App.StopAsync();
            try
            {
                dataDirectory.Delete(recursive: true);
            }
            catch (IOException)
            {
                // Temp directory.
            }
        }

        return 0;
    }

    private static void Print(string what, List<double> times) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what,-48} {Percentile(times, 0.50),8:0.00} {Percentile(times, 0.95),8:0.00} {Percentile(times, 0.99),8:0.00} {times[^1],8:0.00} {times.Count,5}"));

    /// <summary>Each call as a page or API request makes it: a fresh DI scope (its own DbContext) resolving the service.</summary>
    private static async Task<List<double>> MeasureAsync(IServiceProvider services, int iterations, Func<BackupService, Task> call, StatementTimes? statements = null)
    {
        async Task<double> OnceAsync()
        {
            var watch = Stopwatch.StartNew();
            await using var scope = services.CreateAsyncScope();
            await call(scope.ServiceProvider.GetRequiredService<BackupService>());
            return watch.Elapsed.TotalMilliseconds;
        }

        for (var i = 0; i < 20; i++)
        {
            await OnceAsync();
        }

        var times = new List<double>(iterations);
        statements?.Start();
        for (var i = 0; i < iterations; i++)
        {
            times.Add(await OnceAsync());
        }

        statements?.Stop();
        times.Sort();
        return times;
    }

    /// <summary>
    /// Signs a Viewer in through the real forms, then times GET /databases to the last byte; null (and says so) when
    /// this build has no such page.
    /// </summary>
    private static async Task<List<double>?> MeasurePageAsync(IServiceProvider services, Uri baseAddress, List<string> names, int iterations)
    {
        OneTimePassword otp;
        await using (var scope = services.CreateAsyncScope())
        {
            otp = await scope.ServiceProvider.GetRequiredService<AccountService>().CreateUserAsync("bench-viewer", ConsoleRoles.Viewer);
        }

        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer(), UseCookies = true })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
        const string Password = "the databases harness signs in with this";
        await PostFormAsync(client, "/account/login", "login", new() { ["Input.UserName"] = otp.UserName, ["Input.Password"] = otp.Password });
        await PostFormAsync(client, "/account/change-password", "change-password", new()
        {
            ["Input.CurrentPassword"] = otp.Password,
            ["Input.NewPassword"] = Password,
            ["Input.ConfirmPassword"] = Password,
        });

        var databases = new Uri("/databases", UriKind.Relative);
        using (var probe = await client.GetAsync(databases))
        {
            if (probe.StatusCode != HttpStatusCode.OK)
            {
                Console.WriteLine();
                Console.WriteLine($"GET /databases: skipped, this build has no Databases page (a signed-in Viewer gets {(int)probe.StatusCode} {probe.StatusCode})");
                return null;
            }

            var html = await probe.Content.ReadAsStringAsync();
            var shown = names.Count(n => html.Contains(n, StringComparison.Ordinal));
            Console.WriteLine();
            Console.WriteLine($"GET /databases: {html.Length:N0} characters of HTML naming {shown} of the {names.Count} databases");
        }

        async Task<double> OnceAsync()
        {
            var watch = Stopwatch.StartNew();
            using var response = await client.GetAsync(databases, HttpCompletionOption.ResponseHeadersRead);
            await (await response.Content.ReadAsStreamAsync()).CopyToAsync(Stream.Null);
            return response.StatusCode == HttpStatusCode.OK
                ? watch.Elapsed.TotalMilliseconds
                : throw new InvalidOperationException($"GET /databases answered {(int)response.StatusCode}");
        }

        for (var i = 0; i < 10; i++)
        {
            await OnceAsync();
        }

        var times = new List<double>(iterations);
        for (var i = 0; i < iterations; i++)
        {
            times.Add(await OnceAsync());
        }

        times.Sort();
        return times;
    }

    /// <summary>GETs the page for its antiforgery token, then POSTs the named form; a sign-in answers with a redirect.</summary>
    private static async Task PostFormAsync(HttpClient client, string path, string formName, Dictionary<string, string> fields)
    {
        var html = await client.GetStringAsync(new Uri(path, UriKind.Relative));
        var token = AntiforgeryToken().Match(html);
        if (!token.Success)
        {
            throw new InvalidOperationException($"no antiforgery token on {path}");
        }

        fields["_handler"] = formName;
        fields["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups["value"].Value);
        using var content = new FormUrlEncodedContent(fields);
        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), content);
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}, not a redirect: the sign-in failed");
        }
    }

    private sealed record Seeded(int Backups, int Deleted, int Unverified, int Drills, int Operations, string Largest, int LargestKept);

    /// <summary>The inventory a year of scheduled backups leaves, written through the console's own DbContext.</summary>
    private static async Task<Seeded> SeedAsync(IServiceProvider services, List<string> names, int backupCount)
    {
        var now = DateTimeOffset.UtcNow;
        var random = new Random(16);
        // Zipf-like shares: db00 is backed up most often (hourly-ish), the tail a few times a month.
        var weights = names.Select((_, i) => 1.0 / (i + 1)).ToList();
        var counts = weights.Select(w => (int)(backupCount * w / weights.Sum())).ToList();
        counts[0] += backupCount - counts.Sum();
        var manifest = JsonSerializer.Serialize(new Dictionary<string, long>
        {
            ["shop.consents"] = 120_000, ["shop.customers"] = 40_000, ["shop.order_lines"] = 540_000, ["shop.orders"] = 180_000, ["shop.products"] = 500,
        });

        var backups = new List<StoredBackup>(backupCount);
        var operations = new List<StoredOperation>(backupCount + 1000);
        var drills = new List<StoredDrill>();
        var deleted = 0;
        var unverified = 0;
        var largestKept = 0;
        for (var d = 0; d < names.Count; d++)
        {
            var name = names[d];
            var target = ManagedDatabaseCatalog.Target(name);
            // Some databases stopped being backed up a few days ago (too old on the page), the rest are fresh.
            var newest = now - (d % 7 == 3 ? TimeSpan.FromDays(3) : TimeSpan.FromMinutes(20 + (d * 13)));
            var step = TimeSpan.FromDays(365) / Math.Max(1, counts[d]);
            var kept = 0;
            var newestBackup = Guid.Empty;
            for (var j = 0; j < counts[d]; j++)
            {
                var completed = newest - (step * j);
                var duration = 20 + random.Next(200);
                var started = completed - TimeSpan.FromSeconds(duration);
                var operation = new StoredOperation
                {
                    Id = Guid.CreateVersion7(started),
                    Kind = BackupKinds.Backup,
                    Target = target,
                    Title = $"Back up {name} (scheduled)",
                    Parameters = $$"""{"database":"{{name}}","purpose":"scheduled"}""",
                    State = OperationState.Succeeded,
                    RequestedBy = "scheduler",
                    RequestedAt = started,
                    StartedAt = started,
                    EndedAt = completed,
                    Progress = 1,
                    Step = "verified",
                    RunBy = "bench",
                    Result = "backup written and verified",
                    LogLines = 12,
                    UpdatedAt = completed,
                };
                operations.Add(operation);
                var isDeleted = j > 30 && random.Next(10) == 0;
                var isUnverified = j > 0 && random.Next(100) == 0;
                deleted += isDeleted ? 1 : 0;
                unverified += isUnverified ? 1 : 0;
                kept += isDeleted ? 0 : 1;
                var backupId = Guid.CreateVersion7(completed);
                newestBackup = j == 0 ? backupId : newestBackup;
                backups.Add(new StoredBackup
                {
                    Id = backupId,
                    Database = name,
                    Purpose = j % 50 == 7 ? BackupPurposes.Manual : BackupPurposes.Scheduled,
                    OperationId = operation.Id,
                    StartedAt = started,
                    CompletedAt = completed,
                    FileName = $"{name}-{completed:yyyyMMdd'T'HHmmss'Z'}-{random.Next():x8}.dump",
                    SizeBytes = 180_000_000 + random.Next(40_000_000),
                    Sha256 = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()),
                    DurationSeconds = duration,
                    PgDumpVersion = "17.6",
                    ServerVersion = "17.6",
                    Manifest = manifest,
                    Verified = !isUnverified,
                    VerifiedAt = isUnverified ? null : completed,
                    VerifyError = isUnverified && j % 2 == 0 ? "pg_restore cannot read the archive (exit code 1): pg_restore: error: could not read input file: end of file" : null,
                    DeletedAt = isDeleted ? completed + TimeSpan.FromDays(8) : null,
                    DeletedBy = isDeleted ? "retention" : null,
                    DeleteReason = isDeleted ? "retention: beyond keep-last 7 and the daily/weekly/monthly generations" : null,
                });
            }

            largestKept = d == 0 ? kept : largestKept;
            // A failed run after the last success on every 11th database: the page shows its error.
            if (d % 11 == 5)
            {
                var at = newest + TimeSpan.FromMinutes(10);
                operations.Add(new StoredOperation
                {
                    Id = Guid.CreateVersion7(at), Kind = BackupKinds.Backup, Target = target, Title = $"Back up {name} (scheduled)",
                    Parameters = $$"""{"database":"{{name}}","purpose":"scheduled"}""", State = OperationState.Failed, RequestedBy = "scheduler",
                    RequestedAt = at, StartedAt = at, EndedAt = at + TimeSpan.FromSeconds(3), RunBy = "bench",
                    Error = "disk full: no space left on the device of /var/lib/opsconsole/backups while writing a partial dump", LogLines = 4, UpdatedAt = at,
                });
            }

            if (d % 2 == 0)
            {
                for (var week = 0; week < 52; week++)
                {
                    var at = newest - TimeSpan.FromDays(7 * week) + TimeSpan.FromHours(1);
                    var operation = new StoredOperation
                    {
                        Id = Guid.CreateVersion7(at), Kind = BackupKinds.Drill, Target = target, Title = $"Restore drill of {name}",
                        Parameters = $$"""{"database":"{{name}}"}""", State = OperationState.Succeeded, RequestedBy = "scheduler",
                        RequestedAt = at, StartedAt = at, EndedAt = at + TimeSpan.FromMinutes(4), RunBy = "bench", LogLines = 9, UpdatedAt = at,
                    };
                    operations.Add(operation);
                    var failed = week == 0 && d % 8 == 4;
                    drills.Add(new StoredDrill
                    {
                        Id = Guid.CreateVersion7(at), Database = name, BackupId = newestBackup, OperationId = operation.Id, At = at,
                        Succeeded = !failed, RestoreSeconds = 200 + random.Next(60),
                        Error = failed ? "row counts differ from the manifest: shop.orders expected 180000, found 179998" : null,
                        Mismatches = failed ? """[{"table":"shop.orders","expected":180000,"actual":179998}]""" : "[]",
                    });
                }
            }
        }

        foreach (var chunk in operations.Chunk(2_000))
        {
            await SaveAsync(services, db => db.Operations.AddRange(chunk));
        }

        foreach (var chunk in backups.Chunk(2_000))
        {
            await SaveAsync(services, db => db.Backups.AddRange(chunk));
        }

        await SaveAsync(services, db => db.BackupDrills.AddRange(drills));
        return new Seeded(backups.Count, deleted, unverified, drills.Count, operations.Count, names[0], largestKept);
    }

    private static async Task SaveAsync(IServiceProvider services, Action<ConsoleDbContext> add)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        add(db);
        await db.SaveChangesAsync();
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// EF Core's CommandExecuted diagnostic events while started: each statement's duration, keyed by its FROM clause
    /// (what tells the statements apart). The host's background services query too; only backup, drill and operation
    /// tables are kept.
    /// </summary>
    private sealed partial class StatementTimes : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
    {
        private readonly Lock gate = new();
        private readonly Dictionary<string, List<double>> times = new(StringComparer.Ordinal);
        private volatile bool recording;

        public void Start() => recording = true;

        public void Stop() => recording = false;

        public List<(string Statement, List<double> Times)> Measured()
        {
            lock (gate)
            {
                return [.. times.Select(t => (t.Key, t.Value.Order().ToList())).OrderByDescending(t => t.Item2[t.Item2.Count / 2])];
            }
        }

        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == DbLoggerCategory.Name)
            {
                value.Subscribe(this);
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (recording && value.Value is CommandExecutedEventData executed)
            {
                var sql = Whitespace().Replace(executed.Command.CommandText, " ");
                var from = sql.IndexOf(" FROM ", StringComparison.Ordinal);
                var key = from < 0 ? sql : sql[(from + 1)..];
                if (key.Contains("console.backups", StringComparison.Ordinal) || key.Contains("console.backup_drills", StringComparison.Ordinal)
                    || key.Contains("console.operations", StringComparison.Ordinal))
                {
                    lock (gate)
                    {
                        var list = times.TryGetValue(key[..Math.Min(key.Length, 110)], out var l) ? l : times[key[..Math.Min(key.Length, 110)]] = [];
                        list.Add(executed.Duration.TotalMilliseconds);
                    }
                }
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        [GeneratedRegex(@"\s+")]
        private static partial Regex Whitespace();
    }

    [GeneratedRegex("""name="__RequestVerificationToken"[^>]*?value="(?<value>[^"]+)"|value="(?<value>[^"]+)"[^>]*?name="__RequestVerificationToken" """)]
    private static partial Regex AntiforgeryToken();
}
