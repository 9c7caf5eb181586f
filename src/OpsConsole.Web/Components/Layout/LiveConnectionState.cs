namespace OpsConsole.Web.Components.Layout;

public enum LiveConnectionState
{
    Connected,
    Reconnecting,
    Offline,
}
