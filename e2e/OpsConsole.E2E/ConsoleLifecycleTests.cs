using System.Diagnostics;
using System.Text.RegularExpressions;

namespace OpsConsole.E2E;

/// <summary>Tests that stop or kill the console, each with its own process and data directory.</summary>
public sealed partial class ConsoleLifecycleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Live_indicator_leaves_connected_when_the_console_is_stopped()
    {
        var dataDirectory = ConsoleProcess.NewDataDirectory();
        try
        {
            await using var chromium = await Chromium.LaunchAsync();
            await using var console = await ConsoleProcess.StartAsync(dataDirectory, "sigterm");
            await using var session = await chromium.OpenAsync(console.BaseAddress);
            var page = session.Page;
            await Flows.SignInAsBootstrapAdminAsync(page, console);
            await Flows.OpenSystemPageLiveAsync(page);
            var indicator = page.Locator("[data-live-indicator]");
            await Expect(indicator).ToHaveAttributeAsync("data-state", "connected");

            console.SendTerminate();
            await Expect(indicator).ToHaveAttributeAsync("data-state", NotConnected(), new() { Timeout = 30_000 });
            output.WriteLine($"indicator: {await indicator.GetAttributeAsync("data-state")}");

            // The browser's reconnect attempts could hold a new WebSocket open during shutdown (Kestrel then waits
            // for its shutdown timeout); the page has shown what it should, so it goes away before the exit check.
            await session.Context.CloseAsync();
            var exitCode = await console.StopAsync();
            Assert.True(exitCode == 0, $"exit code {exitCode} after SIGTERM; log: {console.LogPath}");
            Assert.Null(ConsoleProcess.PostmasterPid(dataDirectory)); // the embedded PostgreSQL was stopped cleanly
        }
        finally
        {
            ConsoleProcess.DeleteDataDirectory(dataDirectory);
        }
    }

    [Fact]
    public async Task Console_killed_with_SIGKILL_restarts_on_the_same_data_directory()
    {
        var dataDirectory = ConsoleProcess.NewDataDirectory();
        try
        {
            int orphan;
            await using (var first = await ConsoleProcess.StartAsync(dataDirectory, "sigkill-first"))
            {
                orphan = ConsoleProcess.PostmasterPid(dataDirectory) ?? throw new InvalidOperationException("no postmaster.pid");
                await first.KillAsync();
                Assert.Equal(137, first.ExitCode);
            }

            // The scenario is real only if the killed console left its postmaster running.
            Assert.True(ConsoleProcess.IsRunning(orphan), $"postmaster {orphan} did not survive the SIGKILL");

            var clock = Stopwatch.StartNew();
            await using var second = await ConsoleProcess.StartAsync(dataDirectory, "sigkill-second");
            output.WriteLine($"ready again after {clock.Elapsed.TotalSeconds:0.0} s; log: {second.LogPath}");
            Assert.False(ConsoleProcess.IsRunning(orphan), $"orphaned postmaster {orphan} still runs");
            var current = ConsoleProcess.PostmasterPid(dataDirectory);
            Assert.NotNull(current);
            Assert.NotEqual(orphan, current);

            var exitCode = await second.StopAsync();
            Assert.True(exitCode == 0, $"exit code {exitCode} after SIGTERM; log: {second.LogPath}");
            Assert.Null(ConsoleProcess.PostmasterPid(dataDirectory));
        }
        finally
        {
            ConsoleProcess.DeleteDataDirectory(dataDirectory);
        }
    }

    [GeneratedRegex("^(reconnecting|offline)$")]
    private static partial Regex NotConnected();
}
