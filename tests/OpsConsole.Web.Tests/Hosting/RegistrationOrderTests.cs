using Microsoft.AspNetCore.Builder;
using OpsConsole.Core.Data;
using OpsConsole.Core.Demo;
using OpsConsole.Web.Features.Alerts;
using OpsConsole.Web.Features.Metrics;
using OpsConsole.Web.Hosting;

namespace OpsConsole.Web.Tests.Hosting;

public sealed class RegistrationOrderTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("opsconsole-registration-");

    [Fact]
    public void The_host_registers_every_capability_in_an_order_its_checks_accept()
    {
        var builder = WebApplication.CreateBuilder();

        builder.AddConsoleHost(_data.FullName, new ConsoleConnectionStrings("Host=127.0.0.1;Username=runtime", "Host=127.0.0.1;Username=owner"));
    }

    [Fact]
    public void A_slice_registered_before_its_prerequisite_names_the_call_that_must_come_first()
    {
        var bare = WebApplication.CreateBuilder();
        Assert.Contains("Call AddConsoleShell before AddMetricsWeb", Assert.Throws<InvalidOperationException>(() => bare.AddMetricsWeb()).Message);

        var shell = WebApplication.CreateBuilder().AddConsoleShell();
        Assert.Contains("Call AddDemoPlatform before AddMetricsWeb", Assert.Throws<InvalidOperationException>(() => shell.AddMetricsWeb()).Message);

        shell.AddDemoPlatform(_data.FullName, clusterAdminConnectionString: null);
        Assert.Contains("Call AddMetricsWeb before AddAlertsWeb", Assert.Throws<InvalidOperationException>(() => shell.AddAlertsWeb()).Message);
    }

    public void Dispose() => _data.Delete(recursive: true);
}
