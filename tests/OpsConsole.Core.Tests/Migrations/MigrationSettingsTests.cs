using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Migrations;

namespace OpsConsole.Core.Tests.Migrations;

public sealed class MigrationSettingsTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("opsconsole-migration-settings-");

    private static readonly ManagedDatabaseCatalog Databases = new(
        Options.Create(new Dictionary<string, ManagedDatabaseOptions>
        {
            ["shop"] = new() { ConnectionString = "Host=db;Database=shop" },
            ["billing"] = new() { ConnectionString = "Host=db;Database=billing" },
        }),
        new ConfigurationBuilder().Build());

    public void Dispose() => _root.Delete(recursive: true);

    private (IReadOnlyList<MigrationTarget> Targets, IReadOnlyList<string> Errors) Parse(params (string Name, MigrationSettings Settings)[] entries) =>
        MigrationCatalog.Parse(entries.ToDictionary(e => e.Name, e => new ManagedDatabaseMigrations { Migrations = e.Settings }), Databases, _root.FullName);

    [Fact]
    public void A_relative_folder_is_resolved_against_the_content_root_and_the_durations_are_read()
    {
        _root.CreateSubdirectory("migrations");

        var (targets, errors) = Parse(("shop", new MigrationSettings { Path = "migrations", LockTimeout = "1500ms", StatementTimeout = "0s", OutOfOrder = true }));

        Assert.Empty(errors);
        var shop = Assert.Single(targets);
        Assert.Equal(
            ("shop", Path.Combine(_root.FullName, "migrations"), TimeSpan.FromMilliseconds(1500), TimeSpan.Zero, true),
            (shop.Name, shop.Folder, shop.LockTimeout, shop.StatementTimeout, shop.OutOfOrder));
    }

    [Fact]
    public void An_entry_without_a_folder_or_for_a_database_that_is_not_managed_is_not_a_target_and_not_an_error()
    {
        var (targets, errors) = Parse(("shop", new MigrationSettings()), ("unknown", new MigrationSettings { Path = "nowhere" }));

        Assert.Empty(targets);
        Assert.Empty(errors);
    }

    [Fact]
    public void A_missing_folder_is_an_error_naming_the_key_and_the_full_path()
    {
        var (targets, errors) = Parse(("shop", new MigrationSettings { Path = "does-not-exist" }));

        Assert.Empty(targets);
        var error = Assert.Single(errors);
        Assert.StartsWith("ManagedDatabases:shop:Migrations:Path \"does-not-exist\" is not a folder", error, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_root.FullName, "does-not-exist"), error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("LockTimeout", "5 seconds")]
    [InlineData("LockTimeout", "0s")]
    [InlineData("StatementTimeout", "forever")]
    public void A_bad_duration_is_an_error_naming_the_key_and_the_value(string key, string value)
    {
        _root.CreateSubdirectory("billing");
        var settings = new MigrationSettings { Path = "billing" };
        if (key == "LockTimeout")
        {
            settings.LockTimeout = value;
        }
        else
        {
            settings.StatementTimeout = value;
        }

        var (targets, errors) = Parse(("billing", settings), ("shop", new MigrationSettings { Path = "billing" }));

        // The good entry still parses; the bad one is named and left out.
        Assert.Equal(["shop"], targets.Select(t => t.Name));
        var error = Assert.Single(errors);
        Assert.StartsWith($"ManagedDatabases:billing:Migrations:{key} \"{value}\"", error, StringComparison.Ordinal);
    }
}
