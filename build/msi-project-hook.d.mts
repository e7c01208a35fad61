export declare const LAUNCH_SCHEME: string;
export declare const COMPONENT_ID: string;
export declare const COMPONENT_GUID: string;
export declare function parseXmlStrictly(text: string): Document;
export declare function addLaunchSchemeRegistration(wxs: string): string;
export default function msiProjectCreated(projectFile: string): Promise<void>;
