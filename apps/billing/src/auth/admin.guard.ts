import { HttpStatus, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { AdminTokenService } from '@keymeter/keys';
import { ApiError } from '@keymeter/platform';
import { bearerCredential, type AuthenticatedRequest } from './authenticated-request';

/** Admin routes: `Authorization: Bearer <admin token>`, checked by hash against `admin_tokens`. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(private readonly adminTokens: AdminTokenService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const credential = bearerCredential(request);
    const admin = await this.adminTokens.authenticate(credential);
    if (admin === undefined) {
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'unauthenticated',
        credential === undefined
          ? 'Authorization: an admin token is required (Authorization: Bearer <admin token>)'
          : 'Authorization: the admin token is not valid',
        undefined,
        { 'WWW-Authenticate': 'Bearer' },
      );
    }
    request.keymeterAdmin = admin;
    return true;
  }
}
