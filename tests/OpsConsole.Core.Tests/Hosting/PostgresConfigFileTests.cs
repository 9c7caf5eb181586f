using OpsConsole.Core.Hosting;

namespace OpsConsole.Core.Tests.Hosting;

public class PostgresConfigFileTests
{
    [Fact]
    public void Render_is_tcp_only_on_loopback_with_port()
    {
        var text = PostgresConfigFile.Render(54321);

        Assert.Contains("listen_addresses = '127.0.0.1'", text, StringComparison.Ordinal);
        Assert.Contains("port = 54321", text, StringComparison.Ordinal);
        Assert.Contains("unix_socket_directories = ''", text, StringComparison.Ordinal);
        Assert.Contains("max_connections = 200", text, StringComparison.Ordinal);
        Assert.DoesNotContain("fsync", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Include_is_appended_once()
    {
        var conf = "max_wal_size = 1GB";
        var append = PostgresConfigFile.IncludeToAppend(conf);

        Assert.NotNull(append);
        Assert.StartsWith("\n", append, StringComparison.Ordinal);
        Assert.Null(PostgresConfigFile.IncludeToAppend(conf + append));
    }
}
