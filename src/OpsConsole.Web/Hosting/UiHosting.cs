using MudBlazor.Services;

namespace OpsConsole.Web.Hosting;

public static class UiHosting
{
    public static IServiceCollection AddMudServicesForConsole(this IServiceCollection services) =>
        services.AddMudServices(options =>
        {
            options.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight;
            options.SnackbarConfiguration.PreventDuplicates = true;
        });
}
