using System.Reflection;
using Microsoft.AspNetCore.Components;
using OpsConsole.Core.Live;

namespace OpsConsole.Web.Tests.Architecture;

/// <summary>
/// Components follow stores (<c>OnXChanged</c>, <c>OnAppended</c>, …), never raw live topics: a store knows its
/// topics, its throttle and its read-then-subscribe gap, so every view of it behaves the same.
/// </summary>
public sealed class LiveSubscriptionRuleTests
{
    [Fact]
    public void No_component_injects_the_live_event_bus()
    {
        var components = typeof(OpsConsole.Web.Hosting.ConsoleApp).Assembly.GetTypes()
            .Where(t => typeof(IComponent).IsAssignableFrom(t) && !t.IsAbstract)
            .ToList();
        Assert.True(components.Count > 50, $"only {components.Count} components found: the scan lost its way");

        var offenders = components
            .Where(t => t.GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
                .Any(p => p.PropertyType == typeof(ILiveEvents) && p.GetCustomAttribute<InjectAttribute>() is not null))
            .Select(t => t.FullName)
            .ToList();
        Assert.True(offenders.Count == 0, "components subscribing to raw topics: " + string.Join(", ", offenders));
    }
}
