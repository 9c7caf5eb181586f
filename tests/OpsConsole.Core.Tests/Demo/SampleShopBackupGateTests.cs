using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Demo;

namespace OpsConsole.Core.Tests.Demo;

public sealed class SampleShopBackupGateTests
{
    [Fact]
    public async Task SampleShops_first_backup_waits_for_the_demos_first_migrations_to_settle()
    {
        var plan = new DemoPlan("test: no SampleShop", "SampleShop.dll", "/nonexistent", null, null);
        using var supervisor = new SampleShopSupervisor(plan, Options.Create(new DemoOptions()), TimeProvider.System, NullLogger<SampleShopSupervisor>.Instance);
        await using var services = new ServiceCollection().BuildServiceProvider(); // no migrations catalog: the setup has nothing to do
        using var migrations = new DemoMigrations(supervisor, services, TimeProvider.System, NullLogger<DemoMigrations>.Instance);
        var gate = new SampleShopBackupGate(supervisor, migrations, TimeProvider.System);
        await supervisor.StartAsync(CancellationToken.None);
        await supervisor.Listening.WaitAsync(TimeSpan.FromSeconds(10));

        var sampleShop = gate.WaitAsync(SampleShopDatabase.Name, CancellationToken.None);
        await gate.WaitAsync(DemoDatabases.ConsoleName, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)); // other databases never wait
        Assert.False(sampleShop.IsCompleted, "the backup went ahead while the demo's migrations had not run");

        await migrations.StartAsync(CancellationToken.None);
        await sampleShop.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(migrations.Settled.IsCompletedSuccessfully);
        await supervisor.StopAsync(CancellationToken.None);
    }
}
