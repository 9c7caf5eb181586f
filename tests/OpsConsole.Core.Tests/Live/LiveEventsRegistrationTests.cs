using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Tests.Live;

public sealed class LiveEventsRegistrationTests
{
    [Fact]
    public void AddLiveEvents_registers_one_singleton_as_interface_and_concrete_using_registered_TimeProvider()
    {
        var time = new FakeTimeProvider();
        var services = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(time);
        services.AddLiveEvents().AddLiveEvents(); // idempotent
        using var sp = services.BuildServiceProvider();

        var bus = sp.GetRequiredService<LiveEventBus>();
        Assert.Same(bus, sp.GetRequiredService<ILiveEvents>());
        Assert.Same(time, bus.TimeProvider);
    }

    [Fact]
    public void AddLiveEventsPostgresBridge_registers_bridge_as_hosted_service_with_lazy_connection_string()
    {
        var resolved = 0;
        var services = new ServiceCollection().AddLogging();
        services.AddLiveEventsPostgresBridge(_ => { resolved++; return "Host=unused"; });
        using var sp = services.BuildServiceProvider();

        Assert.IsType<PostgresLiveEventBridge>(Assert.Single(sp.GetServices<IHostedService>()));
        Assert.NotNull(sp.GetService<ILiveEvents>());
        Assert.Equal(0, resolved); // read only when the hosted service starts
    }
}
