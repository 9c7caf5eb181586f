using System.Text.Json;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Alerts;

/// <summary>
/// A real Alertmanager (Debian's prometheus-alertmanager) on a free loopback port with its own config and storage,
/// clustering off; killed on dispose. <see cref="AmtoolAsync"/> runs Debian's amtool against it.
/// </summary>
public sealed class AlertmanagerServer : IAsyncDisposable
{
    public const string Binary = "/usr/bin/prometheus-alertmanager";
    public const string Amtool = "/usr/bin/amtool";

    private readonly ExternalServerProcess _server;

    private AlertmanagerServer(ExternalServerProcess server) => _server = server;

    public Uri BaseAddress => _server.BaseAddress;

    /// <summary>Starts Alertmanager with <paramref name="config"/> (alertmanager.yml) and waits until it is ready.</summary>
    public static async Task<AlertmanagerServer> StartAsync(string config)
    {
        Assert.True(File.Exists(Binary), $"{Binary} is missing: ./test.sh installs Debian's prometheus-alertmanager package");
        var directory = Directory.CreateTempSubdirectory("opsconsole-alertmanager-");
        var file = Path.Combine(directory.FullName, "alertmanager.yml");
        await File.WriteAllTextAsync(file, config);
        return new AlertmanagerServer(await ExternalServerProcess.StartAsync("Alertmanager", Binary, listen =>
        [
            $"--config.file={file}",
            $"--storage.path={Path.Combine(directory.FullName, "data")}",
            $"--web.listen-address={listen}",
            "--cluster.listen-address=", // no gossip port: a single, private instance
        ], "-/ready", directory: directory));
    }

    /// <summary>Runs amtool with the arguments against this Alertmanager; fails the test on a non-zero exit.</summary>
    public async Task AmtoolAsync(params string[] arguments)
    {
        Assert.True(File.Exists(Amtool), $"{Amtool} is missing: it comes with Debian's prometheus-alertmanager package");
        var (exitCode, output, error) = await ToolProcess.RunAsync(
            Amtool, [.. arguments, $"--alertmanager.url={BaseAddress.ToString().TrimEnd('/')}"], TimeSpan.FromSeconds(30));
        Assert.True(exitCode == 0, $"amtool {string.Join(' ', arguments)} exited with {exitCode}: {output}{error}");
    }

    /// <summary>The fingerprint Alertmanager itself gives the alert with this alertname (its /api/v2/alerts).</summary>
    public async Task<string?> FingerprintAsync(string alertName)
    {
        using var document = JsonDocument.Parse(await _server.Client.GetStringAsync(new Uri("api/v2/alerts", UriKind.Relative)));
        return document.RootElement.EnumerateArray()
            .Where(a => a.GetProperty("labels").TryGetProperty("alertname", out var name) && name.GetString() == alertName)
            .Select(a => a.GetProperty("fingerprint").GetString())
            .FirstOrDefault();
    }

    public string RecentLog() => _server.RecentLog();

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
