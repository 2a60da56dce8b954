/** CreateFunctionUrlConfig/UpdateFunctionUrlConfig bodies as decoded by the wire (JSON types checked, values not). */
export interface FunctionUrlInput {
  AuthType?: string;
  InvokeMode?: string;
  Cors?: {
    AllowCredentials?: boolean;
    AllowHeaders?: string[];
    AllowMethods?: string[];
    AllowOrigins?: string[];
    ExposeHeaders?: string[];
    MaxAge?: number;
  };
}
