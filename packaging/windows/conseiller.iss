; Inno Setup 6 script: Windows installer of the one-folder build dist\conseiller\ (from
; packaging\conseiller.spec). Per-user install without administrator rights, Start-menu entry,
; uninstall that keeps the conseiller's data folder.
;
;   iscc /DAppVersion=0.1.0 packaging\windows\conseiller.iss   -> dist\ParcoursGrandsChantiers-0.1.0-installation.exe
;
; Silent deployment by the IT department (per user, e.g. from a logon script):
;   ParcoursGrandsChantiers-0.1.0-installation.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART
; Not run here (no Windows): see packaging/README.md for what was and was not verified.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppName "Parcours Grands Chantiers"
#define AppExe "conseiller.exe"

[Setup]
; Never change AppId: Windows recognises upgrades and the uninstaller by it.
AppId={{6F1C2B6E-5B8E-4C7A-9E41-62D3C0A7B1F4}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Département du Pas-de-Calais
VersionInfoVersion={#AppVersion}
; Per user, no UAC prompt: %LOCALAPPDATA%\Programs\Parcours Grands Chantiers
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=ParcoursGrandsChantiers-{#AppVersion}-installation
SetupIconFile=conseiller.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; An upgrade replaces the programme folder (old Qt or Python files must not linger) and closes a
; running copy first; the data folder is elsewhere and untouched.
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "fr"; MessagesFile: "compiler:Languages\French.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "..\..\dist\conseiller\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Dossiers des bénéficiaires (coffre chiffré)"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; No [UninstallDelete] entry on purpose: the uninstaller removes only the files it installed. The
; conseiller's vault, backups and logs live in %LOCALAPPDATA%\Departement62\ParcoursGrandsChantiers
; (platformdirs' user data folder), which this script never names, so they are always kept.
