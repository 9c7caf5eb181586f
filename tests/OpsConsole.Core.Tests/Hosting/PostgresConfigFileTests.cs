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
    public void Extra_settings_follow_the_consoles_own_quoted()
    {
        var text = PostgresConfigFile.Render(5432, new Dictionary<string, string> { ["max_wal_size"] = "4MB", ["application_name"] = "it's" });

        Assert.EndsWith("max_connections = 200\nmax_wal_size = '4MB'\napplication_name = 'it''s'\n", text.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("port = 1\nfsync")]
    [InlineData("a=b")]
    [InlineData("")]
    public void A_setting_name_that_could_inject_lines_is_refused(string name) =>
        Assert.Throws<ArgumentException>(() => PostgresConfigFile.Render(5432, new Dictionary<string, string> { [name] = "off" }));

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
